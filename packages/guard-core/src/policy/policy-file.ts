import { LineCounter, parseDocument, type Scalar, type YAMLMap } from 'yaml';
import { z } from 'zod';
import { readTextFile } from '#platform/read-text-file';
import { localModelOptionsShape } from '../engine/local/runtime-options.js';
import { longConversationSchema } from '../engine/long-conversation.js';
import {
  type RemoteEngineConfig,
  remoteConfigFromFile,
  remoteEngineFileSchema,
} from '../engine/remote/remote-options.js';
import { VigilConfigError } from '../errors.js';
import { processEnv } from '../process-env.js';
import { formatPath, withoutDefaults } from '../validation.js';
import { policyOptionsSchema } from './policy.js';

/** The engine settings a policy file takes as `createGuard` does, without their defaults (a key left out stays out). */
const { gpu, gpuLayers, maxContextSize, stateCacheBytes } = withoutDefaults(localModelOptionsShape);

/**
 * A policy file: the policy settings of `createGuard` plus how to run the model. One file shared
 * by runtime middleware (`createGuard(await loadPolicyFile('vigil.yaml'))`) and `vigil audit --policy`.
 */
export const policyFileSchema = policyOptionsSchema.extend({
  /** JSON Schema reference, ignored. */
  $schema: z.string().optional(),
  /** A local GGUF path or an `hf:` URI. Defaults to the guard's default model. */
  model: z.string().min(1).optional(),
  /** Where downloaded models are kept. Defaults to `VIGIL_MODELS_DIR` or node-llama-cpp's cache. */
  modelsDir: z.string().min(1).optional(),
  /** CPU threads for inference. Defaults to the physical cores. */
  threads: z.number().int().min(1).optional(),
  /** Sequences classifying at once. Defaults to `4`. */
  concurrency: z.number().int().min(1).max(64).optional(),
  /** Tokens per sequence. Defaults to `2048`. */
  contextSize: z.number().int().min(256).optional(),
  /** The llama.cpp backend, as `createGuard`'s `gpu`. Defaults to `'auto'`. */
  gpu,
  /** Layers offloaded to a GPU, as `createGuard`'s `gpuLayers`. Defaults to `'auto'`. */
  gpuLayers,
  /** The longest context made on demand for a long conversation. Defaults to `16384`. */
  maxContextSize,
  /** Beyond it: `truncate` (drop the oldest turns, windows) or `error`. Defaults to `'truncate'`. */
  longConversation: longConversationSchema.optional(),
  /** Bytes of conversation states kept, as `createGuard`'s `stateCacheBytes`; `0` turns it off. Defaults to an eighth of free RAM, at most 1 GiB. */
  stateCacheBytes,
  /** Refuse on load a model that does not answer like Llama Guard 3. Defaults to `true`. */
  verifyModel: z.boolean().optional(),
  /**
   * A remote engine instead of the local model: `{ type: remote, baseURL, model, ... }`. The API
   * key is read from the environment variable `apiKeyEnv` names, never from the file. Defaults
   * to the local engine.
   */
  engine: remoteEngineFileSchema.optional(),
});

/** A parsed policy file: `createGuard` options (the `engine` block carries the API key from the environment). */
export type PolicyFile = Omit<z.output<typeof policyFileSchema>, 'engine'> & {
  engine?: RemoteEngineConfig | undefined;
};

/** The settings a map at `path` may hold, for "unknown setting" errors. */
function knownSettings(path: readonly PropertyKey[]) {
  const shape = path[0] === 'engine' ? remoteEngineFileSchema.shape : policyFileSchema.shape;
  return Object.keys(shape).filter((name) => name !== '$schema');
}

/**
 * Parses the text of a policy file, JSON or YAML (YAML is read for any extension: JSON is YAML).
 * An `engine` block's API key is read from `env` (`VIGIL_REMOTE_API_KEY`, or the variable its
 * `apiKeyEnv` names).
 * @throws VigilConfigError naming file:line and the setting at fault.
 * @example
 * parsePolicyFile('threshold: 0.7\nexcludeCategories: [S6]\n', 'vigil.yaml');
 */
export function parsePolicyFile(
  text: string,
  file: string,
  env: Record<string, string | undefined> = processEnv(),
): PolicyFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new VigilConfigError(
      `${file}:${line}: cannot parse the policy file: ${syntaxError.message.split('\n')[0]}`,
    );
  }
  const value: unknown = document.toJS() ?? {};
  const parsed = policyFileSchema.safeParse(value);
  if (parsed.success) {
    const { engine, ...rest } = parsed.data;
    return engine ? { ...rest, engine: remoteConfigFromFile(engine, env) } : rest;
  }
  const issue = parsed.error.issues[0];
  const issuePath = (issue?.path ?? []).filter((part) => typeof part !== 'symbol');
  if (issue?.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const map = document.getIn(issuePath, true) as YAMLMap<Scalar, unknown> | undefined;
    const pair = map?.items?.find((item) => item.key?.value === key);
    const line = lineCounter.linePos(pair?.key?.range?.[0] ?? 0).line;
    const setting = [...issuePath, key].join('.');
    if (setting === 'engine.apiKey') {
      throw new VigilConfigError(
        `${file}:${line}: engine.apiKey: the API key is never read from a file; set VIGIL_REMOTE_API_KEY (or name another variable with engine.apiKeyEnv)`,
      );
    }
    throw new VigilConfigError(
      `${file}:${line}: unknown setting '${setting}'; expected one of ${knownSettings(issuePath).join(', ')}`,
    );
  }
  const node = document.getIn(issuePath, true) as { range?: [number, number, number] } | undefined;
  const parent = document.getIn(issuePath.slice(0, -1), true) as
    | { range?: [number, number, number] }
    | undefined;
  const offset = node?.range?.[0] ?? parent?.range?.[0] ?? 0;
  const where = formatPath(issuePath);
  const message = (issue?.message ?? 'invalid').replace(/^Invalid input: /, '');
  throw new VigilConfigError(
    `${file}:${lineCounter.linePos(offset).line}: ${where ? `${where}: ` : ''}${message}`,
  );
}

/**
 * Reads and validates a policy file (JSON or YAML); `env` supplies an `engine` block's API key.
 * @throws VigilConfigError when the file cannot be read or is invalid (with file:line).
 * @example
 * const guard = await createGuard(await loadPolicyFile('vigil.policy.yaml'));
 */
export async function loadPolicyFile(
  file: string,
  env: Record<string, string | undefined> = processEnv(),
): Promise<PolicyFile> {
  const text = await readTextFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new VigilConfigError(`cannot read the policy file '${file}': ${error.code ?? error.message}`, {
      cause: error,
    });
  });
  return parsePolicyFile(text, file, env);
}
