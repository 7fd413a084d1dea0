import type { Guard } from '@vigil/guard-core';
import { functionOption } from '@vigil/guard-core/internal';
import type { VigilOptions } from '@vigil/guard-middleware/hono';
import { Registry } from 'prom-client';
import { z } from 'zod';

/** Where the service writes its request lines and errors: a pino `Logger` fits. */
export interface RequestLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The middleware options of proxy mode (`guard` and `onDecision` are the service's own). */
export type ProxyOptions = Omit<VigilOptions, 'guard' | 'onDecision'>;

/**
 * The characters an `Authorization: Bearer` key may hold (RFC 6750's `b64token`, the syntax
 * `hono/bearer-auth` accepts): a key outside it could never match, so it is refused at start.
 */
const bearerKey = /^[A-Za-z0-9._~+/-]+=*$/;
const headerName = /^[!#$%&'*+.^`|~\w-]+$/;
const isObject = (value: unknown) => typeof value === 'object' && value !== null;
const hasMethods =
  (...names: string[]) =>
  (value: unknown) =>
    isObject(value) && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
const alwaysReady = () => true;

const moderationAppOptionsShape = {
  /** The guard (from `createGuard`); the caller keeps it and disposes it. Required. */
  guard: z.custom<Pick<Guard, 'classify' | 'stats'>>(
    hasMethods('classify', 'stats'),
    'expected a guard (from createGuard)',
  ),
  /** The `model` of responses when a request names none. Defaults to `'llama-guard-3'`. */
  modelId: z.string().min(1).default('llama-guard-3'),
  /**
   * Accepted `Authorization: Bearer` keys for `/v1/*` (letters, digits and `-._~+/`, then any
   * `=`); empty: no authentication. Defaults to `[]`.
   */
  apiKeys: z
    .array(z.string().regex(bearerKey, 'expected a key of letters, digits, -._~+/ and trailing ='))
    .readonly()
    .default([]),
  /** Larger request bodies get 413. Defaults to `1048576` (1 MiB). */
  maxBodyBytes: z.number().int().min(1).default(1_048_576),
  /** Inputs in one moderation request (conversations in one classify batch). Defaults to `32`. */
  maxInputs: z.number().int().min(1).max(4096).default(32),
  /** Characters of text in one input or conversation. Defaults to `32768`. */
  maxInputChars: z.number().int().min(1).default(32_768),
  /** Milliseconds a request's classifications may take (then 503, code `timeout`). Defaults to `30000`. */
  timeoutMs: z.number().int().min(1).default(30_000),
  /** Classifications admitted at once, running or waiting (a proxy call counts as one until its answer is delivered); past it, 429 with `Retry-After`. Defaults to `256`. */
  maxPending: z.number().int().min(1).default(256),
  /** The `Retry-After` of a 429 and of a 503, in seconds. Defaults to `1`. */
  retryAfterSeconds: z.number().int().min(1).default(1),
  /** Guard proxy mode: forward the generation routes to this base URL through `vigil()`. Defaults to off. */
  upstream: z.url({ protocol: /^https?$/ }).optional(),
  /** The API key sent upstream as `Bearer`. Defaults to the client's `Authorization` when `apiKeys` is empty, else none. */
  upstreamApiKey: z.string().min(1).optional(),
  /**
   * More request headers the proxy forwards to the upstream, by name, beyond its allow-list
   * (content negotiation, `authorization`, `x-api-key`, `api-key`, `anthropic-*`, `openai-*`,
   * `x-stainless-*`, tracing). Hop-by-hop, `proxy-*` and `x-vigil-*` headers, and any header
   * holding one of `apiKeys`, are never forwarded. Defaults to `[]`.
   */
  forwardHeaders: z.array(z.string().regex(headerName, 'expected a header name')).readonly().default([]),
  /** Middleware options of proxy mode (mode, stream strategy, fail mode...). Defaults to `vigil()`'s. */
  proxy: z.custom<ProxyOptions>(isObject, 'expected an object of vigil() options').optional(),
  /** A logger (pino's fits): one line per request, and the cause of each 5xx. Defaults to no logging. */
  logger: z.custom<RequestLogger>(hasMethods('info', 'error'), 'expected a logger (info, error)').optional(),
  /** Put the moderated text in the request log (it is sensitive). Defaults to `false`. */
  logContent: z.boolean().default(false),
  /** Where the metrics are registered (a prom-client `Registry`). Defaults to a new registry. */
  registry: z
    .custom<Registry>(hasMethods('metrics', 'registerMetric'), 'expected a prom-client Registry')
    .default(() => new Registry()),
  /** Add prom-client's default process metrics. Defaults to `true`. */
  processMetrics: z.boolean().default(true),
  /** `GET /readyz` answers 200 while this returns true (the server turns it off while draining). Defaults to always. */
  ready: functionOption<() => boolean>().default(() => alwaysReady),
};

/** Validates {@link ModerationAppOptions}. */
export const moderationAppOptionsSchema: z.ZodObject<typeof moderationAppOptionsShape, z.core.$strict> =
  z.strictObject(moderationAppOptionsShape);

/** The options of `createModerationApp`. */
export interface ModerationAppOptions extends z.input<typeof moderationAppOptionsSchema> {}

/** {@link ModerationAppOptions} parsed: every default filled in. */
export type ResolvedAppOptions = z.output<typeof moderationAppOptionsSchema>;
