import type { MiddlewareHandler } from 'hono';
import type { RawBody } from '../core/body.js';
import type { VigilContext } from '../core/decision.js';
import type { VigilOptions } from '../core/options.js';
import { readLimited, replay } from '../core/read-limited.js';
import { createVigilCore, type Reply } from '../core/vigil-core.js';
import { readRequestBody, streamOf } from './read-body.js';

export type { VigilContext, VigilDecision } from '../core/decision.js';
export type { VigilOptions } from '../core/options.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Vigil's decisions for this exchange (not set in shadow mode). */
    vigil: VigilContext;
  }
}

function send(reply: Reply) {
  return new Response(reply.body, { status: reply.status, headers: reply.headers });
}

/**
 * Hono middleware that checks requests and responses with Llama Guard: blocks, annotates or
 * shadows unsafe traffic (see {@link VigilOptions}). The decisions are on `c.get('vigil')`.
 * @example
 * import { vigil } from '@vigil/guard-middleware/hono';
 * app.use('/v1/*', vigil({ guard: await createGuard(), mode: 'block' }));
 */
export function vigil(options: VigilOptions): MiddlewareHandler {
  const core = createVigilCore(options);
  return async (c, next) => {
    const signal = c.req.raw.signal;
    const body = await readRequestBody(c, core.options.maxBodyBytes);
    const headers = Object.fromEntries(c.req.raw.headers);
    const url = new URL(c.req.url);
    const request = await core.inspectRequest({
      method: c.req.method,
      url: url.pathname + url.search,
      headers,
      body,
      signal,
    });
    const context: VigilContext = { request: request.decision };
    if (core.annotate) c.set('vigil', context);
    if (request.reply) return send(request.reply);
    await next();
    const res = c.res;
    const kind = core.responseKind(res.status, res.headers.get('content-type') ?? undefined, request);
    if (kind === undefined && Object.keys(request.headers).length === 0) return;
    const replaced = new Headers(res.headers);
    const respond = (bodyInit: ConstructorParameters<typeof Response>[0], extra: Record<string, string>) => {
      for (const [name, value] of Object.entries(extra)) replaced.set(name, value);
      c.res = undefined;
      c.res = new Response(bodyInit, { status: res.status, statusText: res.statusText, headers: replaced });
    };
    if (kind === 'sse' && res.body) {
      replaced.delete('content-length');
      replaced.delete('content-encoding');
      const encoding = res.headers.get('content-encoding') ?? undefined;
      const moderated = core.moderateStream(
        res.body,
        request,
        signal,
        (decision) => {
          context.response = decision;
        },
        encoding,
      );
      return respond(streamOf(moderated), request.headers);
    }
    if (kind !== 'json' || !res.body) return respond(res.body, request.headers);
    const read = await readLimited(res.body, core.options.maxBodyBytes);
    const responseBody: RawBody = read.complete
      ? { kind: 'bytes', bytes: read.bytes }
      : { kind: 'too-large', size: undefined };
    const contentType = res.headers.get('content-type') ?? undefined;
    const contentEncoding = res.headers.get('content-encoding') ?? undefined;
    const outcome = await core.inspectResponse(
      { status: res.status, contentType, contentEncoding, body: responseBody, signal },
      request,
    );
    context.response = outcome.decision;
    if (!outcome.reply) return respond(read.complete ? read.bytes : streamOf(replay(read)), outcome.headers);
    c.res = undefined;
    c.res = send(outcome.reply);
  };
}
