import { type OutgoingHttpHeaders, type ServerResponse, STATUS_CODES } from 'node:http';
import { createPushable } from '@vigil/guard-core/internal';
import type { Exchange, FetchModerator } from './fetch-core.js';
import { isVigilHeader } from './headers.js';
import { streamOf } from './read-limited.js';

type Callback = (error?: Error | null) => void;

/** Node's header record (`req.headers`, `res.getHeaders()`) as Fetch `Headers`. */
export function headersOf(record: OutgoingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record))
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, String(item));
  return headers;
}

const toBuffer = (chunk: unknown, encoding: unknown) =>
  typeof chunk === 'string'
    ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    : Buffer.from(chunk as Uint8Array);

/** `writeHead`'s headers: `{ name: value }`, `[[name, value], ...]` or Node's flat `[name, value, ...]`. */
function pairsOf(headers: object): Array<[unknown, unknown]> {
  if (!Array.isArray(headers)) return Object.entries(headers);
  if (headers.every((entry) => Array.isArray(entry))) return headers as Array<[unknown, unknown]>;
  return Array.from({ length: headers.length >> 1 }, (_, index) => [
    headers[2 * index],
    headers[2 * index + 1],
  ]);
}

/**
 * Takes over `res.writeHead`/`res.write`/`res.end`: a response the core reads becomes a Fetch
 * `Response` of the handler's status, headers and bytes, and the core's answer is written out
 * instead (its status and headers replace the handler's). Anything else passes untouched.
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
    const type = res.getHeader('content-type');
    kind = moderator.inspects(res.statusCode, typeof type === 'string' ? type : undefined, exchange)
      ? 'checked'
      : 'pass';
    if (kind === 'pass') {
      // Only Vigil speaks in `x-vigil-*`: the handler's are replaced by the core's.
      for (const name of res.getHeaderNames()) if (isVigilHeader(name)) res.removeHeader(name);
      for (const [name, value] of Object.entries(moderator.passHeaders(res.statusCode, exchange)))
        res.setHeader(name, value);
      return;
    }
    const upstream = new Response(streamOf(body), {
      status: res.statusCode,
      headers: headersOf(res.getHeaders()),
    });
    void (async () => {
      const moderated = await moderator.moderateResponse(upstream, exchange);
      // A replaced status takes its own reason phrase, not the handler's ('400 OK').
      if (moderated.status !== res.statusCode) res.statusMessage = STATUS_CODES[moderated.status] ?? '';
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
    if (headers && !res.headersSent)
      for (const [name, value] of pairsOf(headers)) res.setHeader(String(name), value as string);
    res.statusCode = status;
    const message = rest.find((value) => typeof value === 'string');
    if (typeof message === 'string') res.statusMessage = message;
    start();
    if (res.headersSent || (kind === 'checked' && !releasing)) return res;
    return writeHead(status, ...rest.filter((value) => typeof value === 'string'));
  }) as typeof res.writeHead;

  res.write = ((chunk: unknown, encoding?: unknown, callback?: Callback) => {
    start();
    if (kind === 'pass') return write(chunk, encoding, callback);
    body.push(toBuffer(chunk, encoding));
    (typeof encoding === 'function' ? (encoding as Callback) : callback)?.();
    return true;
  }) as typeof res.write;

  res.end = ((chunk?: unknown, encoding?: unknown, callback?: Callback) => {
    start();
    if (kind === 'pass') return end(chunk, encoding, callback);
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function')
      body.push(toBuffer(chunk, encoding));
    body.close();
    const done = [chunk, encoding, callback].find((value) => typeof value === 'function');
    if (done) res.once('finish', () => (done as Callback)());
    return res;
  }) as typeof res.end;
}
