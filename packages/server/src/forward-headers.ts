/**
 * Request headers the proxy passes to the upstream, by name: content negotiation, the LLM APIs'
 * own headers, credentials for the upstream (still dropped when they carry a Vigil key), and
 * tracing. Everything else a client sends (cookies, `Forwarded`, `X-Real-IP`, `Proxy-*`,
 * `x-vigil-*`, hop-by-hop headers...) stays here.
 */
const forwardedRequestHeaders = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'content-type',
  'content-encoding',
  'user-agent',
  'authorization',
  'x-api-key',
  'api-key',
  'openai-organization',
  'openai-project',
  'openai-beta',
  'idempotency-key',
  'x-request-id',
  'traceparent',
  'tracestate',
  'baggage',
]);

/** Request header prefixes the proxy passes on: the APIs' versions and betas, the OpenAI SDK's telemetry. */
const forwardedRequestPrefixes = ['anthropic-', 'x-stainless-'];

/** Hop-by-hop headers (RFC 9110 7.6.1) and ones `fetch` sets itself: never copied either way. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
]);

/** The names a `Connection` header lists: hop-by-hop for this message (RFC 9110 7.6.1). */
function connectionNames(headers: Headers) {
  return new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
}

/**
 * Headers that say how the body is read: the guard judged the body by them, so the other side
 * must read it by them too. `Connection` cannot make them hop-by-hop (a parser differential).
 */
const bodyHeaders = new Set(['content-type', 'content-encoding']);

/** Drops the hop-by-hop headers of a message (and those its `Connection` names) from `copy`. */
function dropHopByHop(headers: Headers, copy: Headers) {
  const named = connectionNames(headers);
  for (const name of [...copy.keys()]) {
    const hop = hopByHop.has(name) || (named.has(name) && !bodyHeaders.has(name));
    if (hop || name.startsWith('proxy-') || name.startsWith('x-vigil-')) copy.delete(name);
  }
}

export interface UpstreamHeaderOptions {
  /** Vigil's own API keys: a header whose value or name contains one is never forwarded. */
  apiKeys: readonly string[];
  /** `Bearer` key for the upstream (replaces the client's `Authorization`), `null` to drop it, `undefined` to forward it. */
  upstreamAuthorization: string | null | undefined;
  /** The peer address the request came from (appended to `X-Forwarded-For`), when known. */
  peer: string | undefined;
  /** More request header names to forward (lower case). Defaults to none. */
  extraHeaders?: ReadonlySet<string> | undefined;
}

/**
 * The headers sent upstream for a client's request, on an allow-list: only the names in
 * `forwardedRequestHeaders` (and `anthropic-*`, `x-stainless-*`, `extraHeaders`) pass, never a
 * hop-by-hop header, one named in `Connection`, `Proxy-*` or `x-vigil-*`, and never a header
 * whose value (or name) holds one of Vigil's keys. `X-Forwarded-For` is the client's chain with the real
 * peer appended (the last entry is the one Vigil vouches for); without a known peer the
 * client's chain is dropped, never passed on as Vigil's.
 * @example
 * upstreamRequestHeaders(request.headers, { apiKeys: ['k1'], upstreamAuthorization: null, peer: '10.0.0.7' });
 */
export function upstreamRequestHeaders(headers: Headers, options: UpstreamHeaderOptions): Headers {
  const copy = new Headers();
  for (const [name, value] of headers) {
    const allowed =
      forwardedRequestHeaders.has(name) ||
      forwardedRequestPrefixes.some((prefix) => name.startsWith(prefix)) ||
      options.extraHeaders?.has(name) === true;
    if (allowed) copy.append(name, value);
  }
  dropHopByHop(headers, copy);
  if (options.upstreamAuthorization === null) copy.delete('authorization');
  else if (options.upstreamAuthorization !== undefined)
    copy.set('authorization', `Bearer ${options.upstreamAuthorization}`);
  const chain = headers.get('x-forwarded-for');
  if (options.peer) copy.set('x-forwarded-for', chain ? `${chain}, ${options.peer}` : options.peer);
  const holdsKey = (value: string) => options.apiKeys.some((key) => value.includes(key));
  for (const [name, value] of [...copy]) {
    if (name === 'authorization' && options.upstreamAuthorization) continue;
    if (holdsKey(value) || holdsKey(name)) copy.delete(name);
  }
  if (options.peer && !copy.has('x-forwarded-for')) copy.set('x-forwarded-for', options.peer);
  return copy;
}

/** The upstream's response headers for the client: no hop-by-hop headers, none of the upstream's own `x-vigil-*`. */
export function clientResponseHeaders(headers: Headers): Headers {
  const copy = new Headers(headers);
  dropHopByHop(headers, copy);
  // `fetch` decoded the body: its encoding and length no longer describe what the client gets.
  copy.delete('content-encoding');
  return copy;
}
