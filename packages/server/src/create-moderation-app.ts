import { randomUUID } from 'node:crypto';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Guard } from '@vigil/guard-core';
import { parseOrThrow } from '@vigil/guard-core/internal';
import type { VigilOptions } from '@vigil/guard-middleware/hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { Admission } from './admission.js';
import { ApiError } from './api-error.js';
import { apiKeyChecker } from './api-keys.js';
import { createJudge } from './judge.js';
import { addModerationRoutes, type ServiceEnv } from './moderation-routes.js';
import { addProxyRoutes, proxyRoutes } from './proxy-routes.js';
import { createServiceMetrics, type RequestVerdict } from './service-metrics.js';

export interface ModerationAppOptions {
  /** The guard (from `createGuard`); the caller keeps it and disposes it. */
  guard: Pick<Guard, 'classify' | 'stats'>;
  /** The `model` of responses when a request names none. Defaults to `'llama-guard-3'`. */
  modelId?: string | undefined;
  /** Accepted `Authorization: Bearer` keys for `/v1/*`; empty: no authentication. Defaults to `[]`. */
  apiKeys?: readonly string[] | undefined;
  /** Larger request bodies get 413. Defaults to `1048576` (1 MiB). */
  maxBodyBytes?: number | undefined;
  /** Inputs in one moderation request (conversations in one classify batch). Defaults to `32`. */
  maxInputs?: number | undefined;
  /** Characters of text in one input or conversation. Defaults to `32768`. */
  maxInputChars?: number | undefined;
  /** Milliseconds a request's classifications may take (then 504). Defaults to `30000`. */
  timeoutMs?: number | undefined;
  /** Classifications admitted at once, running or waiting (a proxy call counts as one until its answer is delivered); past it, 429 with `Retry-After`. Defaults to `256`. */
  maxPending?: number | undefined;
  /** The `Retry-After` of a 429 and of a 503, in seconds. Defaults to `1`. */
  retryAfterSeconds?: number | undefined;
  /** Guard proxy mode: forward the generation routes to this base URL through `vigil()`. Defaults to off. */
  upstream?: string | undefined;
  /** The API key sent upstream as `Bearer`. Defaults to the client's `Authorization` when `apiKeys` is empty, else none. */
  upstreamApiKey?: string | undefined;
  /**
   * More request headers the proxy forwards to the upstream, by name, beyond its allow-list
   * (content negotiation, `authorization`, `x-api-key`, `api-key`, `anthropic-*`, `openai-*`,
   * `x-stainless-*`, tracing). Hop-by-hop, `proxy-*` and `x-vigil-*` headers, and any header
   * holding one of `apiKeys`, are never forwarded. Defaults to `[]`.
   */
  forwardHeaders?: readonly string[] | undefined;
  /** Middleware options of proxy mode (mode, stream strategy, fail mode...). Defaults to `vigil()`'s. */
  proxy?: Omit<VigilOptions, 'guard' | 'onDecision'> | undefined;
  /** A pino logger: one line per request. Defaults to no logging. */
  logger?: Logger | undefined;
  /** Put the moderated text in the request log (it is sensitive). Defaults to `false`. */
  logContent?: boolean | undefined;
  /** Where the metrics are registered. Defaults to a new registry. */
  registry?: Registry | undefined;
  /** Add prom-client's default process metrics. Defaults to `true`. */
  processMetrics?: boolean | undefined;
  /** `GET /readyz` answers 200 while this is true (the server turns it off while draining). Defaults to always. */
  ready?: (() => boolean) | undefined;
}

const isFunction = (value: unknown) => typeof value === 'function';
const optionsSchema = z.object({
  guard: z.custom(
    (value) => isFunction((value as Guard | undefined)?.classify),
    'expected a guard (from createGuard)',
  ),
  modelId: z.string().min(1).optional(),
  apiKeys: z.array(z.string().min(1, 'expected a non-empty key')).optional(),
  maxBodyBytes: z.number().int().min(1).optional(),
  maxInputs: z.number().int().min(1).max(4096).optional(),
  maxInputChars: z.number().int().min(1).optional(),
  timeoutMs: z.number().int().min(1).optional(),
  maxPending: z.number().int().min(1).optional(),
  retryAfterSeconds: z.number().int().min(1).optional(),
  upstream: z.url({ protocol: /^https?$/ }).optional(),
  upstreamApiKey: z.string().min(1).optional(),
  forwardHeaders: z.array(z.string().regex(/^[!#$%&'*+.^`|~\w-]+$/, 'expected a header name')).optional(),
  logContent: z.boolean().optional(),
});

const requestIdPattern = /^[\w.:-]{1,128}$/;
const tracer = trace.getTracer('@vigil/cli');

/**
 * The moderation service as a Hono app: `POST /v1/moderations` (OpenAI's API),
 * `POST /v1/classify` (Vigil's verdicts), the generation routes through the guard in proxy mode
 * (`upstream`), `GET /healthz`, `GET /readyz`, `GET /metrics`. `vigil serve` runs it; mount it
 * in your own server the same way.
 * @example
 * import { serve } from '@hono/node-server';
 * const guard = await createGuard();
 * serve({ fetch: createModerationApp({ guard }).fetch, port: 8080 });
 */
export function createModerationApp(options: ModerationAppOptions): Hono<ServiceEnv> {
  const parsed = parseOrThrow(optionsSchema, options, 'createModerationApp options');
  const { guard, logger } = options;
  const retryAfterSeconds = parsed.retryAfterSeconds ?? 1;
  const metrics = createServiceMetrics(guard, {
    registry: options.registry,
    processMetrics: options.processMetrics,
  });
  const admission = new Admission(parsed.maxPending ?? 256);
  const judge = createJudge(guard, metrics, admission, retryAfterSeconds);
  const apiKeys = parsed.apiKeys ?? [];
  const authorized = apiKeyChecker(apiKeys);
  const ready = options.ready ?? (() => true);
  const known = new Set<string>(['/v1/moderations', '/v1/classify', '/healthz', '/readyz', '/metrics']);
  if (parsed.upstream) for (const route of proxyRoutes) known.add(route);
  const app = new Hono<ServiceEnv>();

  app.onError((error, c) => {
    const failure =
      error instanceof ApiError
        ? error
        : new ApiError(500, 'server_error', 'internal error', { code: 'internal_error', cause: error });
    if (failure.retryAfterSeconds !== undefined) c.header('retry-after', String(failure.retryAfterSeconds));
    if (failure.status >= 500) logger?.error({ err: failure.cause ?? failure }, failure.message);
    return c.json(failure.body, failure.status);
  });
  app.notFound((c) =>
    c.json(
      new ApiError(404, 'invalid_request_error', `${c.req.method} ${c.req.path}: no such route`, {
        code: 'unknown_route',
      }).body,
      404,
    ),
  );

  app.use('*', async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && requestIdPattern.test(given) ? given : randomUUID();
    const route = known.has(c.req.path) ? c.req.path : 'other';
    await tracer.startActiveSpan(`${c.req.method} ${route}`, async (span) => {
      c.set('notes', {});
      try {
        await next();
      } finally {
        const status = c.res.status;
        const notes = c.get('notes');
        const verdict: RequestVerdict =
          notes.flagged === undefined ? 'none' : notes.flagged > 0 ? 'flagged' : 'safe';
        const durationMs = performance.now() - started;
        c.res.headers.set('x-request-id', requestId);
        metrics.request(route, status, verdict, durationMs / 1000);
        span.setAttributes({
          'http.request.method': c.req.method,
          'http.route': route,
          'http.response.status_code': status,
          'vigil.request_id': requestId,
          ...(notes.inputs === undefined
            ? {}
            : { 'vigil.inputs': notes.inputs, 'vigil.flagged': notes.flagged }),
        });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        if (route !== '/metrics' && route !== '/healthz' && route !== '/readyz') {
          const { content, ...rest } = notes;
          logger?.info(
            {
              requestId,
              method: c.req.method,
              route,
              status,
              durationMs: Math.round(durationMs * 100) / 100,
              ...rest,
              ...(parsed.logContent && content !== undefined ? { content } : {}),
            },
            'request',
          );
        }
      }
    });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => (ready() ? c.json({ status: 'ready' }) : c.json({ status: 'draining' }, 503)));
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );

  if (apiKeys.length > 0) {
    app.use('/v1/*', async (c, next) => {
      if (authorized(c.req.header('authorization'))) return next();
      c.header('www-authenticate', 'Bearer');
      throw new ApiError(401, 'authentication_error', 'Authorization: expected Bearer and a valid API key', {
        code: 'invalid_api_key',
      });
    });
  }
  const maxBodyBytes = parsed.maxBodyBytes ?? 1_048_576;
  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new ApiError(
        413,
        'invalid_request_error',
        `request body: expected at most ${maxBodyBytes} bytes`,
        {
          code: 'request_too_large',
        },
      );
    },
  });
  app.use('/v1/moderations', limit);
  app.use('/v1/classify', limit);
  addModerationRoutes(app, {
    judge,
    modelId: parsed.modelId ?? 'llama-guard-3',
    timeoutMs: parsed.timeoutMs ?? 30_000,
    maxInputs: parsed.maxInputs ?? 32,
    maxInputChars: parsed.maxInputChars ?? 32_768,
  });
  if (parsed.upstream) {
    addProxyRoutes(app, {
      ...options.proxy,
      guard,
      upstream: parsed.upstream,
      upstreamAuthorization: parsed.upstreamApiKey ?? (apiKeys.length > 0 ? null : undefined),
      apiKeys,
      extraHeaders: new Set(parsed.forwardHeaders?.map((name) => name.toLowerCase())),
      admission,
      retryAfterSeconds,
      maxBodyBytes: options.proxy?.maxBodyBytes ?? maxBodyBytes,
      onDecision: (decision) => {
        if (decision.verdict) {
          metrics.verdict(decision.verdict);
          metrics.classification(
            decision.role,
            decision.verdict.safe ? 'safe' : 'unsafe',
            decision.durationMs / 1000,
          );
        } else if (decision.action === 'fail-open' || decision.action === 'fail-closed') {
          metrics.classification(decision.role, 'error', decision.durationMs / 1000);
        }
      },
    });
  }
  return app;
}
