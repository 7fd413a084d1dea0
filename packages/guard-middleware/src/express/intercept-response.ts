import type { ServerResponse } from 'node:http';
import type { Exchange, FetchModerator } from '../core/fetch-core.js';
import { streamOf } from '../core/fetch-core.js';
import { createPushable } from '../core/pushable.js';

type Callback = (error?: Error | null) => void;

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.from(chunk as Uint8Array);
}

/** `[[name, value], ...]` or Node's flat `[name, value, name, value]`. */
function pairsOf(headers: unknown[]): Array<[unknown, unknown]> {
  if (headers.every((entry) => Array.isArray(entry))) return headers as Array<[unknown, unknown]>;
  const pairs: Array<[unknown, unknown]> = [];
  for (let index = 0; index + 1 < headers.length; index += 2)
    pairs.push([headers[index], headers[index + 1]]);
  return pairs;
}

/** The handler's status and headers, and the bytes it writes, as a Fetch `Response`. */
function responseOf(res: ServerResponse, body: AsyncIterable<Uint8Array>): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.getHeaders())) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, String(item));
  }
  return new Response(streamOf(body), { status: res.statusCode, headers });
}

/**
 * Takes over `res.writeHead`/`res.write`/`res.end` for the response check: a response the core
 * checks (2xx; JSON, text, SSE) is turned into a Fetch `Response`, handed to the core, and what
 * comes back is written out (its status and headers replace the handler's). Anything else
 * passes untouched.
 */
export function interceptResponse(res: ServerResponse, moderator: FetchModerator, exchange: Exchange) {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  let kind: 'checked' | 'pass' | undefined;
  /** Set once the checked response may go: the original `writeHead` runs from then on. */
  let releasing = false;
  const body = createPushable<Uint8Array>();

  function start() {
    if (kind) return;
    const contentType = res.getHeader('content-type');
    const checked = moderator.core.responseKind(
      res.statusCode,
      typeof contentType === 'string' ? contentType : undefined,
      exchange.outcome,
    );
    kind = checked ? 'checked' : 'pass';
    if (!checked) return;
    const upstream = responseOf(res, body);
    void (async () => {
      const moderated = await moderator.moderateResponse(upstream, exchange);
      res.statusCode = moderated.status;
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      moderated.headers.forEach((value, name) => {
        if (name !== 'set-cookie') res.setHeader(name, value);
      });
      const cookies = moderated.headers.getSetCookie();
      if (cookies.length > 0) res.setHeader('set-cookie', cookies);
      releasing = true;
      res.flushHeaders();
      if (moderated.body) for await (const chunk of moderated.body) write(chunk);
      end();
    })().catch(() => res.destroy());
  }

  // Headers given to writeHead become visible to getHeader (the content type decides the check);
  // a checked response's headers wait for the check (a blocked answer replaces them).
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.find((value) => typeof value === 'object' && value !== null);
    if (headers && !res.headersSent) {
      const pairs = Array.isArray(headers) ? pairsOf(headers) : Object.entries(headers);
      for (const [name, value] of pairs) res.setHeader(String(name), value as string);
    }
    res.statusCode = status;
    const message = rest.find((value) => typeof value === 'string');
    if (typeof message === 'string') res.statusMessage = message;
    start();
    if (res.headersSent) return res;
    if (kind === 'pass' || releasing)
      return writeHead(status, ...rest.filter((value) => typeof value === 'string'));
    return res;
  }) as typeof res.writeHead;

  res.write = ((chunk: unknown, encoding?: unknown, callback?: Callback) => {
    start();
    if (kind === 'pass') return write(chunk, encoding, callback);
    body.push(toBuffer(chunk, encoding));
    (typeof encoding === 'function' ? (encoding as Callback) : callback)?.();
    return true;
  }) as typeof res.write;

  res.end = ((chunk?: unknown, encoding?: unknown, callback?: Callback) => {
    const done = [chunk, encoding, callback].find((value) => typeof value === 'function') as
      | Callback
      | undefined;
    const data = typeof chunk === 'function' ? undefined : chunk;
    start();
    if (kind === 'pass') return end(chunk, encoding, callback);
    if (data !== undefined && data !== null) body.push(toBuffer(data, encoding));
    body.close();
    if (done) res.once('finish', () => done());
    return res;
  }) as typeof res.end;
}
