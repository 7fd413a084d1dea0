import type { Guard } from '@vigil/guard-core';
import { type VigilOptions, vigil } from '@vigil/guard-middleware/hono';
import type { Hono } from 'hono';
import { ApiError } from './api-error.js';
import type { ServiceEnv } from './moderation-routes.js';

/** The routes guard proxy mode serves: OpenAI's and Anthropic's generation APIs. */
export const proxyRoutes = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/responses',
  '/v1/messages',
] as const;

export interface ProxyRouteOptions extends Omit<VigilOptions, 'guard'> {
  guard: Pick<Guard, 'classify'>;
  /** The upstream's base URL, e.g. `http://127.0.0.1:8000` (request paths are appended). */
  upstream: string;
  /**
   * `Authorization` sent upstream: a string replaces the client's header with `Bearer <key>`,
   * `null` drops it (the client's header held a key for this service), `undefined` forwards it.
   */
  upstreamAuthorization: string | null | undefined;
}

/** Hop-by-hop headers, and ones `fetch` has already acted on. */
const dropped = [
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
];

function forwardHeaders(headers: Headers) {
  const copy = new Headers(headers);
  for (const name of dropped) copy.delete(name);
  return copy;
}

/** Guard proxy mode: `vigil()` from `@vigil/guard-middleware/hono` on each route, then a plain forward. */
export function addProxyRoutes(
  app: Hono<ServiceEnv>,
  { upstream, upstreamAuthorization, ...options }: ProxyRouteOptions,
) {
  const base = upstream.replace(/\/+$/, '');
  const guarded = vigil(options);
  for (const route of proxyRoutes) {
    app.post(route, guarded, async (c) => {
      const url = new URL(c.req.url);
      const request = c.req.raw;
      const headers = forwardHeaders(request.headers);
      if (upstreamAuthorization === null) headers.delete('authorization');
      else if (upstreamAuthorization !== undefined)
        headers.set('authorization', `Bearer ${upstreamAuthorization}`);
      const response = await fetch(`${base}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: request.body,
        signal: request.signal,
        duplex: 'half',
      } as RequestInit).catch((error: unknown) => {
        throw new ApiError(
          502,
          'server_error',
          `upstream: the request failed (${(error as Error)?.message})`,
          {
            code: 'upstream_unavailable',
            cause: error,
          },
        );
      });
      return new Response(response.body, {
        status: response.status,
        headers: forwardHeaders(response.headers),
      });
    });
  }
}
