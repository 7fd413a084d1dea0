import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  createGuard,
  defaultGuardModel,
  type Guard,
  type GuardOptions,
  loadPolicyFile,
} from '@vigil/guard-core';
import { isRemoteModel, policyFileSchema, resolveModel, resolvePolicy } from '@vigil/guard-core/internal';
import { formatBytes } from '../output/progress.js';
import { createDownloadBar } from '../output/download-bar.js';
import { type EngineFlagValues, engineFlags, remoteEngineFromFlags } from './engine-flags.js';
import type { CliContext } from '../context/cli-context.js';
import { createLoadDisplay } from '../output/load-display.js';
import { codesFlag, numberFlag, parseFlagValues } from './parse-flags.js';
import { interruptibleLoad } from '../shell/signals.js';
import { UsageError } from '../context/usage-error.js';

/** The policy, model and engine flags `classify` and `audit` share with the API. */
export const guardFlags = {
  ...engineFlags,
  policy: { type: 'string' },
  model: { type: 'string' },
  categories: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  'custom-category': { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  threads: { type: 'string' },
  'context-size': { type: 'string' },
  'long-conversation': { type: 'string' },
  'no-verify-model': { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

export interface GuardFlagValues extends EngineFlagValues {
  policy?: string | undefined;
  model?: string | undefined;
  categories?: string[] | undefined;
  exclude?: string[] | undefined;
  threshold?: string | undefined;
  'custom-category'?: string[] | undefined;
  concurrency?: string | undefined;
  threads?: string | undefined;
  'context-size'?: string | undefined;
  'long-conversation'?: string | undefined;
  'no-verify-model'?: boolean | undefined;
  verbose?: boolean | undefined;
}

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
    concurrency: flags.concurrency ?? fromFile.concurrency ?? 4,
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

/**
 * Creates the guard for a command: the context's engine, the remote engine, or the local model
 * (downloaded first with a progress bar). Says on stderr at once what it loads (the file's name
 * and size) and keeps the elapsed time visible; a SIGINT, SIGTERM or SIGHUP during the load stops
 * it (see `interruptibleLoad`). With `verbose`, says which model runs where.
 * @throws LoadInterruptedError when a signal came during the load.
 */
export async function openGuard(
  context: CliContext,
  options: GuardOptions,
  { verbose = false }: { verbose?: boolean | undefined } = {},
): Promise<Guard> {
  const guard = await interruptibleLoad(
    context,
    (signal) => createGuardFor(context, options, signal),
    (loaded) => loaded.dispose(),
  );
  if (verbose) context.stderr.write(`vigil: ${describeGuard(guard)}\n`);
  return guard;
}

async function createGuardFor(context: CliContext, options: GuardOptions, signal: AbortSignal) {
  if (context.engine) {
    const loading = typeof (context.engine as PromiseLike<unknown>).then === 'function';
    const display = loading ? createLoadDisplay(context.stderr, 'engine') : undefined;
    try {
      const guard = await createGuard({ ...options, model: undefined, engine: await context.engine });
      display?.done(true);
      return guard;
    } finally {
      display?.done(false);
    }
  }
  if (options.engine) return createGuard(options);
  const bar = createDownloadBar(context.stderr);
  let file: string;
  try {
    file = await resolveModel(options.model ?? (context.env.VIGIL_GUARD_MODEL || defaultGuardModel), {
      modelsDir: options.modelsDir ?? context.env.VIGIL_MODELS_DIR,
      onDownloadProgress: bar.update,
      signal,
    });
  } finally {
    bar.done();
  }
  const { size } = await stat(file);
  const display = createLoadDisplay(context.stderr, `model ${path.basename(file)} (${formatBytes(size)})`);
  try {
    const guard = await createGuard({ ...options, model: file });
    display.done(true);
    return guard;
  } finally {
    display.done(false);
  }
}

/**
 * One line on the model a guard runs: where (the llama.cpp backend, or a server), its contexts
 * and its prompt template.
 * @example
 * describeGuard(guard); // 'model ./guard.gguf on cpu: 4 sequences of 2048 tokens, prompts up to 16368 tokens, template from the GGUF'
 */
export function describeGuard(guard: Guard) {
  const { model } = guard;
  const sequences = guard.stats().engine.sequences;
  const pool =
    sequences === undefined
      ? `${model.contextSize} tokens`
      : `${sequences} sequences of ${model.contextSize} tokens`;
  const longest =
    model.maxPromptTokens === undefined ? '' : `, prompts up to ${model.maxPromptTokens} tokens`;
  const template = model.promptSource === 'gguf-template' ? 'template from the GGUF' : 'built-in template';
  return `model ${model.id.replace(/:\d+$/, '')} on ${model.backend ?? 'an unnamed engine'}: ${pool}${longest}, ${template}`;
}
