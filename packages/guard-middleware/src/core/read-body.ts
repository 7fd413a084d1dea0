import type { RawBody } from './body.js';
import { readLimited, replay, streamOf } from './read-limited.js';

/** A request's body as the check gets it, and the request to hand on (its body unread). */
export interface ReadBody {
  body: RawBody;
  request: Request;
}

/**
 * Reads a Fetch request's body up to `maxBytes` and puts it back: the request handed on has the
 * same method, headers and bytes (a body past the limit is passed on whole, unread here). A body
 * consumed before the middleware ran is `unread` (it fails closed).
 */
export async function readBody(request: Request, maxBytes: number): Promise<ReadBody> {
  if (request.bodyUsed)
    return {
      body: { kind: 'unread', reason: 'the request body was consumed before the middleware ran' },
      request,
    };
  if (!request.body) return { body: { kind: 'none' }, request };
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  if (length > maxBytes) return { body: { kind: 'too-large', size: length }, request };
  const read = await readLimited(request.body, maxBytes);
  const { method, headers, signal } = request;
  const handedOn = new Request(request.url, {
    method,
    headers,
    signal,
    body: read.complete ? read.bytes : streamOf(replay(read)),
    duplex: 'half',
  } as RequestInit);
  const body: RawBody = read.complete
    ? { kind: 'bytes', bytes: read.bytes }
    : { kind: 'too-large', size: undefined };
  return { body, request: handedOn };
}
