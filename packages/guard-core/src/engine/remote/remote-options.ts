import { z } from 'zod';
import { processEnv } from '../../process-env.js';
import { functionOption, withoutDefaults } from '../../validation.js';

/**
 * Turns text into the served model's token ids. `special: true` parses special-token text
 * (`<|eot_id|>` becomes one token), `false` keeps it plain; never adds a BOS.
 */
export type RemoteTokenizer = (
  text: string,
  options: { special: boolean },
) => readonly number[] | Promise<readonly number[]>;

const promptFormatSchema = z.enum(['auto', 'tokens', 'text']);

/** How the prompt travels: token ids (exact, like the local engine) or text. */
export type RemotePromptFormat = z.output<typeof promptFormatSchema>;

const httpURL = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { error: (issue) => `expected an http(s) URL, received ${JSON.stringify(issue.input)}` },
);

const remoteEngineOptionsShape = {
  /**
   * The OpenAI-compatible server(s): `http://host:8080` or `http://host:8080/v1` (vLLM,
   * llama.cpp's `llama-server`, SGLang). Several are replicas of one model: calls go to the one
   * with the fewest outstanding requests. Required.
   */
  baseURL: z.union([httpURL, z.array(httpURL).min(1, 'expected at least one URL').readonly()], {
    error: (issue) =>
      `expected an http(s) URL or a list of them, received ${JSON.stringify(issue.input) ?? 'undefined'}`,
  }),
  /** The model name the server serves, sent as `model` (vLLM: `--served-model-name`). Required. */
  model: z.string().min(1),
  /** Sent as `Authorization: Bearer <apiKey>`. Defaults to none. */
  apiKey: z.string().min(1).optional(),
  /** Milliseconds one HTTP attempt may take before it counts as failed. Defaults to `30000`. */
  timeoutMs: z.number().int().min(1).default(30_000),
  /** Extra attempts after a connection error, a timeout, HTTP 429 or 5xx (on another replica when there is one). Defaults to `2`. */
  maxRetries: z.number().int().min(0).max(10).default(2),
  /** Requests one replica may have outstanding; more wait in a queue. Defaults to `16`. */
  maxInFlight: z.number().int().min(1).default(16),
  /** Calls allowed to wait for a free replica before `VigilQueueFullError`. Defaults to `1024`. */
  maxQueue: z.number().int().min(0).default(1024),
  /** Consecutive failures that take a replica out of rotation. Defaults to `3`. */
  failureThreshold: z.number().int().min(1).default(3),
  /** Milliseconds a failing replica stays out before one trial call. Defaults to `10000`. */
  cooldownMs: z.number().int().min(0).default(10_000),
  /** Alternatives read at each answer position (vLLM caps it with `--max-logprobs`, 20 by default). Defaults to `20`. */
  topLogprobs: z.number().int().min(2).max(100).default(20),
  /**
   * `tokens` sends token ids (from `tokenizer`, else the server's `/tokenize`, which only
   * llama-server offers with special-token parsing off); `text` sends the prompt string with
   * `<|` in the conversation escaped; `auto` picks tokens when possible. Defaults to `'auto'`.
   */
  promptFormat: promptFormatSchema.default('auto'),
  /** A local tokenizer of the served model, for token ids without a round trip. Defaults to none. */
  tokenizer: functionOption<RemoteTokenizer>().optional(),
  /** The chat template to render with. Defaults to the server's (llama-server `GET /props`), else the built-in twin of Meta's. */
  chatTemplate: z.string().min(1).optional(),
  /** The `fetch` to call. Defaults to `globalThis.fetch`. */
  fetch: functionOption<typeof fetch>().optional(),
};

/** Validates {@link RemoteEngineOptions} (without the `type` tag). */
export const remoteEngineOptionsSchema: z.ZodObject<typeof remoteEngineOptionsShape, z.core.$strip> =
  z.object(remoteEngineOptionsShape);

/** The options of `createRemoteEngine`. */
export interface RemoteEngineOptions extends z.input<typeof remoteEngineOptionsSchema> {}

const remoteEngineConfigShape = {
  ...remoteEngineOptionsShape,
  /** Selects the remote engine. */
  type: z.literal('remote'),
};

/** The `engine: { type: 'remote', ... }` option of `createGuard` (and the policy file's). */
export const remoteEngineConfigSchema: z.ZodObject<typeof remoteEngineConfigShape, z.core.$strip> =
  z.object(remoteEngineConfigShape);

/** `createGuard`'s `engine: { type: 'remote', ... }`: {@link RemoteEngineOptions} and the tag. */
export interface RemoteEngineConfig extends z.input<typeof remoteEngineConfigSchema> {}

/** {@link RemoteEngineConfig} with its defaults applied. */
export interface ResolvedRemoteEngineConfig extends z.output<typeof remoteEngineConfigSchema> {}

const isRemoteTagged = (value: unknown) =>
  typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'remote';

/**
 * `createGuard`'s `engine` option: an engine object as it is, or `{ type: 'remote', ... }`
 * validated field by field (errors name the field, e.g. `engine.baseURL`).
 */
export function guardEngineOptionSchema<E>(
  isEngine: (value: unknown) => value is E,
): z.ZodPipe<
  z.ZodCustom<E | RemoteEngineConfig, E | RemoteEngineConfig>,
  z.ZodTransform<E | ResolvedRemoteEngineConfig, E | RemoteEngineConfig>
> {
  return z
    .custom<E | RemoteEngineConfig>(
      (value) => isEngine(value) || isRemoteTagged(value),
      "expected an engine with a score() method or { type: 'remote', baseURL, model }",
    )
    .transform((value, context): E | ResolvedRemoteEngineConfig => {
      if (isEngine(value)) return value;
      const parsed = remoteEngineConfigSchema.safeParse(value);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      }
      return z.NEVER;
    });
}

/**
 * The policy file's (and CLI's) `engine` block: JSON-able fields only, without defaults (a key
 * left out stays out, so that flags and `createRemoteEngine` fill it); the API key is read from
 * the environment variable `apiKeyEnv` names, never from the file.
 */
export const remoteEngineFileSchema = z
  .object(withoutDefaults(remoteEngineConfigShape))
  .omit({ tokenizer: true, fetch: true, apiKey: true })
  .extend({
    /** The environment variable holding the API key. Defaults to `VIGIL_REMOTE_API_KEY`. */
    apiKeyEnv: z.string().min(1).optional(),
  })
  .strict();

export type RemoteEngineFileBlock = z.output<typeof remoteEngineFileSchema>;

/**
 * Turns a policy file's `engine` block into `createGuard`'s `engine` option.
 * @example
 * const engine = remoteConfigFromFile({ type: 'remote', baseURL: 'http://gpu-1:8000/v1', model: 'llama-guard' });
 */
export function remoteConfigFromFile(
  block: RemoteEngineFileBlock,
  env: Record<string, string | undefined> = processEnv(),
): RemoteEngineConfig {
  const { apiKeyEnv = 'VIGIL_REMOTE_API_KEY', ...rest } = block;
  return { ...rest, apiKey: env[apiKeyEnv] || undefined };
}
