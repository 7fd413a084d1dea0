import type { Context } from 'hono';
import type { RawBody } from '../core/body.js';
import { readLimited, replay } from '../core/read-limited.js';

/** A web stream over an async iterable of bytes. */
export const streamOf = (source: AsyncIterable<Uint8Array>) =>
  ReadableStream.from(source) as ReadableStream<Uint8Array>;

/**
 * Reads the request body for checking, whatever its content type (the core decides how to read
 * it), counting bytes as they arrive (chunked bodies too), and leaves an identical, unread one
 * on `c.req.raw` (so handlers and proxies that forward `c.req.raw` still get all of it).
 */
export async function readRequestBody(c: Context, maxBytes: number): Promise<RawBody> {
  const raw = c.req.raw;
  if (!raw.body) return { kind: 'none' };
  const length = Number(raw.headers.get('content-length') ?? Number.NaN);
  if (length > maxBytes) return { kind: 'too-large', size: length };
  if (raw.bodyUsed) return { kind: 'bytes', bytes: new Uint8Array(await c.req.arrayBuffer()) };
  const read = await readLimited(raw.body, maxBytes);
  const { method, headers, signal } = raw;
  const body = read.complete ? read.bytes : streamOf(replay(read));
  c.req.raw = new Request(raw.url, { method, headers, signal, body, duplex: 'half' } as RequestInit);
  return read.complete ? { kind: 'bytes', bytes: read.bytes } : { kind: 'too-large', size: undefined };
}
