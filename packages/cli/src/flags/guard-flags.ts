import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type GuardOptions, loadPolicyFile } from '@vigil/guard-core';
import { isRemoteModel, policyFileSchema, resolvePolicy } from '@vigil/guard-core/internal';
import { UsageError } from '../context/usage-error.js';
import { engineFlags, remoteEngineFromFlags } from './engine-flags.js';
import { codesFlag, numberFlag, parseFlagValues } from './flag-schema.js';
import { defineFlags, type FlagValues } from './flag-table.js';
import type { HelpSection } from './render-help.js';

/** Conversations checked at once when neither `--concurrency` nor the policy file says. */
const defaultConcurrency = 4;

/** Every setting a policy file may hold (from its schema, so the list cannot fall behind). */
const policyKeys = Object.keys(policyFileSchema.shape).filter((key) => key !== '$schema');

/**
 * The policy, model and engine flags `classify`, `audit`, `eval` and `serve` share with the API
 * (their environment variables are read by `vigil serve` only).
 */
export const guardFlags = defineFlags({
  policy: {
    type: 'string',
    value: 'FILE',
    env: 'VIGIL_POLICY',
    section: 'policy',
    help: `JSON or YAML policy file; its settings:\n${policyKeys.join(', ')}\n(model and modelsDir paths are relative to the policy file)`,
  },
  model: {
    type: 'string',
    value: 'PATH|hf:URI',
    env: 'VIGIL_GUARD_MODEL',
    defaultText: 'VIGIL_GUARD_MODEL, else the 1B Q4_K_M, downloaded on first use',
    section: 'policy',
    help: 'Llama Guard 3 GGUF ({default}); remote: the served model name (below)',
  },
  categories: {
    type: 'string',
    multiple: true,
    value: 'S1,S9',
    env: 'VIGIL_CATEGORIES',
    section: 'policy',
    help: 'check only these categories',
  },
  exclude: {
    type: 'string',
    multiple: true,
    value: 'S6',
    env: 'VIGIL_EXCLUDE',
    section: 'policy',
    help: 'leave these categories out (repeatable, comma-separated)',
  },
  threshold: {
    type: 'string',
    value: '0.7',
    env: 'VIGIL_THRESHOLD',
    defaultText: '0.5',
    section: 'policy',
    help: 'P(unsafe) at or above this is unsafe',
  },
  'custom-category': {
    type: 'string',
    multiple: true,
    value: '"Name: description"',
    env: 'VIGIL_CUSTOM_CATEGORIES',
    section: 'policy',
    help: 'add a category of your own (repeatable)',
  },
  concurrency: {
    type: 'string',
    value: 'N',
    env: 'VIGIL_CONCURRENCY',
    defaultText: String(defaultConcurrency),
    section: 'policy',
    help: 'conversations checked at once, local or remote',
  },
  threads: {
    type: 'string',
    value: 'N',
    env: 'VIGIL_THREADS',
    defaultText: 'physical cores',
    section: 'policy',
    help: 'CPU threads for inference ({default}; local only)',
  },
  'context-size': {
    type: 'string',
    value: 'N',
    defaultText: '2048',
    section: 'policy',
    help: 'tokens per sequence; a longer conversation is judged in a larger context made on demand, up to policy key maxContextSize ({default}; local only; policy key contextSize)',
  },
  'long-conversation': {
    type: 'string',
    value: 'truncate|error',
    section: 'policy',
    help: 'beyond the largest context: drop the oldest turns and judge a long last turn in overlapping windows (truncate, the default; reports say truncated), or list the conversation as an error (error)',
  },
  'no-verify-model': {
    type: 'boolean',
    section: 'policy',
    help: 'skip the load-time check that the model answers like Llama Guard 3 (policy key verifyModel: false)',
  },
  verbose: {
    type: 'boolean',
    section: 'policy',
    help: 'say on stderr which model runs where (cpu, cuda, vulkan, metal or remote), its contexts and its prompt template',
  },
  ...engineFlags,
});

export type GuardFlagValues = Partial<FlagValues<typeof guardFlags>>;

/** The `--help` sections of `guardFlags`, as every command that takes them shows them. */
export const guardHelpSections: readonly HelpSection[] = [
  { id: 'policy', title: 'Policy and model (same settings as createGuard; flags override --policy):' },
  {
    id: 'engine',
    title: 'Engine (where Llama Guard runs):',
    rows: [
      {
        usage: '--model NAME',
        after: 'base-url',
        help: 'remote: the model name the server serves, sent as "model" (vLLM: --served-model-name; llama-server ignores it); required',
      },
    ],
    notes: `  The API key is read from VIGIL_REMOTE_API_KEY (or the variable the policy file's
  engine.apiKeyEnv names), never from a flag or the file.
  --threads and --context-size are for the local engine only; --base-url, --timeout-ms,
  --max-retries for remote.`,
  },
];

/** The policy-file settings the flags set, checked by the policy file's own schema. */
const flagSettingsSchema = policyFileSchema.pick({
  categories: true,
  excludeCategories: true,
  threshold: true,
  threads: true,
  concurrency: true,
  contextSize: true,
  longConversation: true,
  verifyModel: true,
});

async function readPolicyFile(file: string, env: Record<string, string | undefined>) {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const why =
      info.code === 'ENOENT' ? 'no such file' : info.code === 'EACCES' ? 'permission denied' : info.message;
    throw new UsageError(`--policy: cannot read the policy file '${file}': ${why}`);
  }
  if (!info.isFile())
    throw new UsageError(`--policy: expected a JSON or YAML file, received '${file}', not a file`);
  return loadPolicyFile(file, env).catch(rethrowAsUsage);
}

function customCategory(value: string) {
  const colon = value.indexOf(':');
  const name = (colon === -1 ? value : value.slice(0, colon)).trim();
  const description = colon === -1 ? undefined : value.slice(colon + 1).trim() || undefined;
  if (!name) throw new UsageError(`--custom-category: expected "Name: description", received '${value}'`);
  return description ? { name, description } : { name };
}

/**
 * Builds guard options from a `--policy` file and the flags (flags win; custom categories add
 * to the file's), and checks the policy and the engine before any model is loaded. `env` holds
 * the remote engine's API key (`VIGIL_REMOTE_API_KEY`).
 * @throws UsageError for a bad flag or policy file.
 */
export async function guardOptionsFromFlags(
  values: GuardFlagValues,
  env: Record<string, string | undefined>,
): Promise<GuardOptions & { concurrency: number }> {
  const file = values.policy ? await readPolicyFile(values.policy, env) : {};
  const { $schema: _schema, engine: engineFromFile, ...fromFile } = file;
  const engine = remoteEngineFromFlags(values, engineFromFile, env);
  // Paths in a policy file are relative to the file, so that it can be shared.
  const base = values.policy ? path.dirname(values.policy) : '.';
  if (fromFile.model && !isRemoteModel(fromFile.model)) fromFile.model = path.resolve(base, fromFile.model);
  if (fromFile.modelsDir) fromFile.modelsDir = path.resolve(base, fromFile.modelsDir);
  if (engine && values['context-size'] !== undefined) {
    throw new UsageError(
      '--context-size: expected the local engine (a server sets its own context), received a remote engine',
    );
  }
  const custom = values['custom-category']?.map(customCategory);
  const flags = parseFlagValues(flagSettingsSchema, {
    categories: ['categories', values.categories, codesFlag(values.categories)],
    excludeCategories: ['exclude', values.exclude, codesFlag(values.exclude)],
    threshold: ['threshold', values.threshold, numberFlag(values.threshold)],
    threads: ['threads', values.threads, numberFlag(values.threads)],
    concurrency: ['concurrency', values.concurrency, numberFlag(values.concurrency)],
    contextSize: ['context-size', values['context-size'], numberFlag(values['context-size'])],
    longConversation: ['long-conversation', values['long-conversation'], values['long-conversation']],
    verifyModel: ['no-verify-model', undefined, values['no-verify-model'] ? false : undefined],
  });
  const options = {
    ...fromFile,
    categories: flags.categories ?? fromFile.categories,
    excludeCategories: flags.excludeCategories ?? fromFile.excludeCategories,
    customCategories: custom ? [...(fromFile.customCategories ?? []), ...custom] : fromFile.customCategories,
    threshold: flags.threshold ?? fromFile.threshold,
    // With a remote engine, --model names the served model (in `engine`).
    model: engine ? undefined : (values.model ?? fromFile.model),
    threads: flags.threads ?? fromFile.threads,
    contextSize: flags.contextSize ?? fromFile.contextSize,
    longConversation: flags.longConversation ?? fromFile.longConversation,
    verifyModel: flags.verifyModel ?? fromFile.verifyModel,
    engine,
    concurrency: flags.concurrency ?? fromFile.concurrency ?? defaultConcurrency,
  };
  try {
    const { categories, excludeCategories, customCategories, threshold } = options;
    resolvePolicy({ categories, excludeCategories, customCategories, threshold }, values.policy ?? 'policy');
  } catch (error) {
    rethrowAsUsage(error);
  }
  return options;
}

function rethrowAsUsage(error: unknown): never {
  throw new UsageError((error as Error).message);
}
