import { z } from 'zod';

/**
 * Turns text into the served model's token ids. `special: true` parses special-token text
 * (`<|eot_id|>` becomes one token), `false` keeps it plain; never adds a BOS.
 */
export type RemoteTokenizer = (
  text: string,
  options: { special: boolean },
) => readonly number[] | Promise<readonly number[]>;

/** How the prompt travels: token ids (exact, like the local engine) or text. */
export type RemotePromptFormat = 'auto' | 'tokens' | 'text';

export interface RemoteEngineOptions {
  /**
   * The OpenAI-compatible server(s): `http://host:8080` or `http://host:8080/v1` (vLLM,
   * llama.cpp's `llama-server`, SGLang). Several are replicas of one model: calls go to the one
   * with the fewest outstanding requests. Required.
   */
  baseURL: string | readonly string[];
  /** The model name the server serves, sent as `model` (vLLM: `--served-model-name`). Required. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Defaults to none. */
  apiKey?: string | undefined;
  /** Milliseconds one HTTP attempt may take before it counts as failed. Defaults to `30000`. */
  timeoutMs?: number | undefined;
  /** Extra attempts after a connection error, a timeout, HTTP 429 or 5xx (on another replica when there is one). Defaults to `2`. */
  maxRetries?: number | undefined;
  /** Requests one replica may have outstanding; more wait in a queue. Defaults to `16`. */
  maxInFlight?: number | undefined;
  /** Calls allowed to wait for a free replica before `VigilQueueFullError`. Defaults to `1024`. */
  maxQueue?: number | undefined;
  /** Consecutive failures that take a replica out of rotation. Defaults to `3`. */
  failureThreshold?: number | undefined;
  /** Milliseconds a failing replica stays out before one trial call. Defaults to `10000`. */
  cooldownMs?: number | undefined;
  /** Alternatives read at each answer position (vLLM caps it with `--max-logprobs`, 20 by default). Defaults to `20`. */
  topLogprobs?: number | undefined;
  /**
   * `tokens` sends token ids (from `tokenizer`, else the server's `/tokenize`, which only
   * llama-server offers with special-token parsing off); `text` sends the prompt string with
   * `<|` in the conversation escaped; `auto` picks tokens when possible. Defaults to `'auto'`.
   */
  promptFormat?: RemotePromptFormat | undefined;
  /** A local tokenizer of the served model, for token ids without a round trip. Defaults to none. */
  tokenizer?: RemoteTokenizer | undefined;
  /** The chat template to render with. Defaults to the server's (llama-server `GET /props`), else the built-in twin of Meta's. */
  chatTemplate?: string | undefined;
  /** The `fetch` to call. Defaults to `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
}

const isFunction = (value: unknown) => typeof value === 'function';

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

/** Validates {@link RemoteEngineOptions} (without the `type` tag). */
export const remoteEngineOptionsSchema = z.object({
  baseURL: z.union([httpURL, z.array(httpURL).min(1, 'expected at least one URL')], {
    error: (issue) =>
      `expected an http(s) URL or a list of them, received ${JSON.stringify(issue.input) ?? 'undefined'}`,
  }),
  model: z.string().min(1),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(1).optional(),
  maxRetries: z.number().int().min(0).max(10).optional(),
  maxInFlight: z.number().int().min(1).optional(),
  maxQueue: z.number().int().min(0).optional(),
  failureThreshold: z.number().int().min(1).optional(),
  cooldownMs: z.number().int().min(0).optional(),
  topLogprobs: z.number().int().min(2).max(100).optional(),
  promptFormat: z.enum(['auto', 'tokens', 'text']).optional(),
  tokenizer: z.custom<RemoteTokenizer>(isFunction, 'expected a function').optional(),
  chatTemplate: z.string().min(1).optional(),
  fetch: z.custom<typeof fetch>(isFunction, 'expected a function').optional(),
});

/** The `engine: { type: 'remote', ... }` option of `createGuard` (and the policy file's). */
export const remoteEngineConfigSchema = remoteEngineOptionsSchema.extend({ type: z.literal('remote') });

export type RemoteEngineConfig = RemoteEngineOptions & { type: 'remote' };

const isRemoteTagged = (value: unknown) =>
  typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'remote';

/**
 * `createGuard`'s `engine` option: an engine object as it is, or `{ type: 'remote', ... }`
 * validated field by field (errors name the field, e.g. `engine.baseURL`).
 */
export function guardEngineOptionSchema<E>(isEngine: (value: unknown) => value is E) {
  return z.unknown().transform((value, context): E | z.output<typeof remoteEngineConfigSchema> => {
    if (isEngine(value)) return value;
    if (!isRemoteTagged(value)) {
      context.addIssue({
        code: 'custom',
        message: "expected an engine with a score() method or { type: 'remote', baseURL, model }",
      });
      return z.NEVER;
    }
    const parsed = remoteEngineConfigSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
    return z.NEVER;
  });
}

/**
 * The policy file's (and CLI's) `engine` block: JSON-able fields only; the API key is read from
 * the environment variable `apiKeyEnv` names, never from the file.
 */
export const remoteEngineFileSchema = remoteEngineConfigSchema
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
  env: Record<string, string | undefined> = process.env,
): RemoteEngineConfig {
  const { apiKeyEnv = 'VIGIL_REMOTE_API_KEY', ...rest } = block;
  return { ...rest, apiKey: env[apiKeyEnv] || undefined };
}
