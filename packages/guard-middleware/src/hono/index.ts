import type { MiddlewareHandler } from 'hono';
import type { VigilContext } from '../core/decision.js';
import { createFetchModerator } from '../core/fetch-core.js';
import type { VigilOptions } from '../core/options.js';

export type { VigilContext, VigilDecision } from '../core/decision.js';
export type { VigilOptions } from '../core/options.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Vigil's decisions for this exchange (not set in shadow mode). */
    vigil: VigilContext;
  }
}

/**
 * Hono middleware that checks requests and responses with Llama Guard: blocks, annotates or
 * shadows unsafe traffic (see {@link VigilOptions}). The decisions are on `c.get('vigil')`.
 * @example
 * import { vigil } from '@vigil/guard-middleware/hono';
 * app.use('/v1/*', vigil({ guard: await createGuard(), mode: 'block' }));
 */
export function vigil(options: VigilOptions): MiddlewareHandler {
  const moderator = createFetchModerator(options);
  return async (c, next) => {
    // A body an earlier middleware read is in Hono's cache: hand it over again.
    const raw = c.req.raw.bodyUsed ? new Request(c.req.raw, { body: await c.req.arrayBuffer() }) : c.req.raw;
    const { reply, request, exchange } = await moderator.moderateRequest(raw, { signal: c.req.raw.signal });
    if (moderator.annotate) c.set('vigil', exchange.context);
    if (reply) return reply;
    c.req.raw = request;
    await next();
    const response = await moderator.moderateResponse(c.res, exchange);
    if (response === c.res) return;
    c.res = undefined;
    c.res = response;
  };
}
