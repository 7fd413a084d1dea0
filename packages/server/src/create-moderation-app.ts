import { httpStatus, parseOrThrow } from '@vigil/guard-core/internal';
import type { VigilOptions } from '@vigil/guard-middleware/hono';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Admission } from './admission.js';
import { ApiError } from './api-error.js';
import { apiKeyAuth } from './api-keys.js';
import { createJudge } from './judge.js';
import {
  type ModerationAppOptions,
  moderationAppOptionsSchema,
  type RequestLogger,
  type ResolvedAppOptions,
} from './moderation-app-options.js';
import { addModerationRoutes, type ServiceEnv } from './moderation-routes.js';
import { observeRequests } from './observe-requests.js';
import { addProxyRoutes, proxyRoutes } from './proxy-routes.js';
import { createServiceMetrics, type ServiceMetrics } from './service-metrics.js';

/** Every failure as OpenAI's error body: an `ApiError` as it is, anything else a 500. */
function answerError(error: Error, c: Context<ServiceEnv>, logger: RequestLogger | undefined) {
  // hono/bearer-auth's 401 carries its finished response.
  if (error instanceof HTTPException) return error.getResponse();
  const failure =
    error instanceof ApiError
      ? error
      : new ApiError(500, 'server_error', 'internal error', { code: 'internal_error', cause: error });
  if (failure.retryAfterSeconds !== undefined) c.header('retry-after', String(failure.retryAfterSeconds));
  if (failure.status >= 500) logger?.error({ err: failure.cause ?? failure }, failure.message);
  return c.json(failure.body, failure.status as ContentfulStatusCode);
}

function notFound(c: Context<ServiceEnv>) {
  const error = new ApiError(404, 'invalid_request_error', `${c.req.method} ${c.req.path}: no such route`, {
    code: 'unknown_route',
  });
  return c.json(error.body, 404);
}

/** The proxy's decisions in the classification metrics, like the moderation routes' verdicts. */
function countDecisions(metrics: ServiceMetrics): NonNullable<VigilOptions['onDecision']> {
  return (decision) => {
    const seconds = decision.durationMs / 1000;
    if (decision.verdict) {
      metrics.verdict(decision.verdict);
      metrics.classification(decision.role, decision.verdict.safe ? 'safe' : 'unsafe', seconds);
    } else if (decision.action === 'fail-open' || decision.action === 'fail-closed') {
      metrics.classification(decision.role, 'error', seconds);
    }
  };
}

/** Guard proxy mode's routes, sharing the service's admission, keys and body limit. */
function addProxy(
  app: Hono<ServiceEnv>,
  options: ResolvedAppOptions & { upstream: string },
  admission: Admission,
  metrics: ServiceMetrics,
) {
  const { apiKeys } = options;
  addProxyRoutes(app, {
    ...options.proxy,
    guard: options.guard,
    upstream: options.upstream,
    upstreamAuthorization: options.upstreamApiKey ?? (apiKeys.length > 0 ? null : undefined),
    apiKeys,
    extraHeaders: new Set(options.forwardHeaders.map((name) => name.toLowerCase())),
    admission,
    retryAfterSeconds: options.retryAfterSeconds,
    maxBodyBytes: options.proxy?.maxBodyBytes ?? options.maxBodyBytes,
    onDecision: countDecisions(metrics),
  });
}

/**
 * The moderation service as a Hono app: `POST /v1/moderations` (OpenAI's API),
 * `POST /v1/classify` (Vigil's verdicts), the generation routes through the guard in proxy mode
 * (`upstream`), `GET /healthz`, `GET /readyz`, `GET /metrics`. `vigil serve` runs it; mount it
 * in your own server the same way.
 * @throws VigilConfigError for an unknown option or a bad value.
 * @example
 * import { serve } from '@hono/node-server';
 * const guard = await createGuard();
 * serve({ fetch: createModerationApp({ guard }).fetch, port: 8080 });
 */
export function createModerationApp(options: ModerationAppOptions): Hono<ServiceEnv> {
  const resolved = parseOrThrow(moderationAppOptionsSchema, options, 'createModerationApp options');
  const { guard, logger, apiKeys, maxBodyBytes, upstream } = resolved;
  const metrics = createServiceMetrics(guard, resolved);
  const admission = new Admission(resolved.maxPending);
  const known = new Set<string>(['/v1/moderations', '/v1/classify', '/healthz', '/readyz', '/metrics']);
  if (upstream) for (const route of proxyRoutes) known.add(route);
  const app = new Hono<ServiceEnv>();
  app.onError((error, c) => answerError(error, c, logger));
  app.notFound(notFound);
  app.use('*', observeRequests({ metrics, known, logger, logContent: resolved.logContent }));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) =>
    resolved.ready() ? c.json({ status: 'ready' }) : c.json({ status: 'draining' }, 503),
  );
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );

  if (apiKeys.length > 0) app.use('/v1/*', apiKeyAuth(apiKeys));
  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      const message = `request body: expected at most ${maxBodyBytes} bytes`;
      throw new ApiError(httpStatus('too-large', 'request'), 'invalid_request_error', message, {
        code: 'request_too_large',
      });
    },
  });
  app.use('/v1/moderations', limit);
  app.use('/v1/classify', limit);
  addModerationRoutes(app, {
    ...resolved,
    judge: createJudge(guard, metrics, admission, resolved.retryAfterSeconds),
  });
  if (upstream) addProxy(app, { ...resolved, upstream }, admission, metrics);
  return app;
}
