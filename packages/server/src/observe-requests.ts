import { randomUUID } from 'node:crypto';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import type { RequestLogger } from './moderation-app-options.js';
import type { ServiceEnv } from './moderation-routes.js';
import type { RequestVerdict, ServiceMetrics } from './service-metrics.js';

const requestIdPattern = /^[\w.:-]{1,128}$/;
const tracer = trace.getTracer('@vigil/server');
/** Routes answered without a request line (probes and scrapes). */
const quietRoutes = new Set(['/metrics', '/healthz', '/readyz']);

export interface ObserveOptions {
  metrics: ServiceMetrics;
  /** The routes counted by name; any other path is counted as `other`. */
  known: ReadonlySet<string>;
  logger: RequestLogger | undefined;
  logContent: boolean;
}

/**
 * Every request, once answered: an `x-request-id` (the client's when well-formed), the request
 * counter and histogram, one span, and one log line (without the text unless `logContent`).
 */
export function observeRequests({ metrics, known, logger, logContent }: ObserveOptions) {
  const observe: MiddlewareHandler<ServiceEnv> = async (c, next) => {
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
        if (!quietRoutes.has(route)) {
          const { content, ...rest } = notes;
          const fields = { requestId, method: c.req.method, route, status };
          const shown = logContent && content !== undefined ? { content } : {};
          logger?.info(
            { ...fields, durationMs: Math.round(durationMs * 100) / 100, ...rest, ...shown },
            'request',
          );
        }
      }
    });
  };
  return observe;
}
