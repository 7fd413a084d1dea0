// A guarded proxy in front of any OpenAI-compatible server: requests and answers (plain and
// streamed) are checked by Llama Guard; everything else is forwarded untouched.
import type { Guard } from '@vigil/guard-core';
import { type VigilOptions, vigil } from '@vigil/guard-middleware/hono';
import { Hono } from 'hono';

export interface ProxyOptions extends Omit<VigilOptions, 'guard'> {
  guard: Pick<Guard, 'classify'>;
  /** The upstream's base URL, e.g. `http://127.0.0.1:8080` (paths under `/v1` are appended). */
  upstream: string;
}

/** Headers a proxy must not pass on (hop-by-hop, and ones `fetch` has already acted on). */
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

/**
 * The proxy app: `vigil()` on `/v1/*`, then a plain forward to the upstream.
 * @example
 * const app = createProxyApp({ guard, upstream: 'http://127.0.0.1:8080', streamStrategy: 'progressive' });
 */
export function createProxyApp({ upstream, ...options }: ProxyOptions) {
  const base = upstream.replace(/\/+$/, '');
  const app = new Hono();
  app.use('/v1/*', vigil(options));
  app.all('/v1/*', async (c) => {
    const url = new URL(c.req.url);
    const request = c.req.raw;
    const response = await fetch(`${base}${url.pathname}${url.search}`, {
      method: request.method,
      headers: forwardHeaders(request.headers),
      body: request.body,
      signal: request.signal,
      duplex: 'half',
    } as RequestInit);
    return new Response(response.body, {
      status: response.status,
      headers: forwardHeaders(response.headers),
    });
  });
  app.get('/healthz', (c) => c.json({ ok: true }));
  return app;
}
