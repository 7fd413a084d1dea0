// A guarded proxy in front of any OpenAI-compatible server: every path is guarded (upstreams
// answer chat on more paths than `/v1/chat/completions`: `/chat/completions`, `/completion`,
// trailing slashes...), requests and answers (plain and streamed) are checked by Llama Guard.
// Reads (GET, HEAD) let answers of no known shape through (model lists), marked unchecked.
import type { Guard } from '@vigil/guard-core';
import { type VigilOptions, vigil } from '@vigil/guard-middleware/hono';
import { Hono } from 'hono';

export interface ProxyOptions extends Omit<VigilOptions, 'guard'> {
  guard: Pick<Guard, 'classify'>;
  /** The upstream's base URL, e.g. `http://127.0.0.1:8080` (the request path is appended). */
  upstream: string;
}

/** Headers a proxy must not pass on (hop-by-hop ones). */
const hopByHop = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length'];

/** Request headers go on as they came (the body is forwarded as received, still encoded). */
function requestHeaders(headers: Headers) {
  const copy = new Headers(headers);
  for (const name of hopByHop) copy.delete(name);
  return copy;
}

/** Response headers lose `content-encoding` too: `fetch` has already decoded the body. */
function responseHeaders(headers: Headers) {
  const copy = requestHeaders(headers);
  copy.delete('content-encoding');
  return copy;
}

/**
 * The proxy app: `vigil()` on every path, then a plain forward to the upstream.
 * @example
 * const app = createProxyApp({ guard, upstream: 'http://127.0.0.1:8080', streamStrategy: 'progressive' });
 */
export function createProxyApp({ upstream, ...options }: ProxyOptions) {
  const base = upstream.replace(/\/+$/, '');
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  const guarded = vigil(options);
  const reads = vigil({ ...options, passUnknown: { response: true } });
  app.use('*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? reads(c, next) : guarded(c, next),
  );
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    const request = c.req.raw;
    const response = await fetch(`${base}${url.pathname}${url.search}`, {
      method: request.method,
      headers: requestHeaders(request.headers),
      body: request.body,
      signal: request.signal,
      duplex: 'half',
    } as RequestInit);
    return new Response(response.body, {
      status: response.status,
      headers: responseHeaders(response.headers),
    });
  });
  return app;
}
