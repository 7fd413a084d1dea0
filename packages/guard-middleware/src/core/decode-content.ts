import { pipeline, Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { VigilBodyTooLargeError } from '@vigil/guard-core/internal';

/** The codings of a `Content-Encoding` header in the order they must be undone (last applied first). */
function codingsOf(encoding: string | undefined): string[] {
  return (encoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
}

/** True when two bytes open a zlib stream (RFC 1950: deflate method, window ≤ 32K, check bits). */
const isZlibHeader = (first: number, second: number) =>
  (first & 0x0f) === 8 && first >> 4 <= 7 && ((first << 8) | second) % 31 === 0;

/** The bytes of `source` through one zlib transform; an error of the source surfaces on the output. */
function through(source: AsyncIterable<Uint8Array>, decoder: Transform): AsyncIterable<Uint8Array> {
  pipeline(Readable.from(source, { objectMode: false }), decoder, () => {});
  return decoder;
}

/** `deflate` as servers send it: zlib-wrapped (RFC 1950) or raw (RFC 1951), told apart by the first two bytes. */
async function* inflate(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < 2 && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else {
      head.push(next.value);
      size += next.value.byteLength;
    }
  }
  const first = Buffer.concat(head);
  const zlib = first.byteLength >= 2 && isZlibHeader(first[0] as number, first[1] as number);
  async function* all() {
    try {
      yield first;
      if (!done)
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  yield* through(all(), zlib ? createInflate() : createInflateRaw());
}

/** Stops a stage past `maxBytes`: a decoded body (or an inner coding) never grows without bound. */
async function* bounded(source: AsyncIterable<Uint8Array>, maxBytes: number) {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new VigilBodyTooLargeError('decoded body', maxBytes, undefined);
    yield chunk;
  }
}

/**
 * Undoes `Content-Encoding`: gzip (`x-gzip`), deflate (zlib-wrapped or raw), br, several in order
 * (`deflate, gzip`), as a stream. The one decoder of the middleware: request and JSON answer
 * bodies (`parseBody`) and SSE answers go through it. Each stage stops past `maxBytes` (when
 * given), so a small bomb never inflates into memory. Errors surface while reading: an unknown
 * coding, broken bytes, `VigilBodyTooLargeError`.
 * @example
 * for await (const chunk of decodeContent(response.body, 'gzip')) process(chunk);
 */
export function decodeContent(
  source: AsyncIterable<Uint8Array>,
  encoding: string | undefined,
  maxBytes = Number.POSITIVE_INFINITY,
): AsyncIterable<Uint8Array> {
  const codings = codingsOf(encoding);
  const unknown = codings.find((coding) => !['gzip', 'x-gzip', 'deflate', 'br'].includes(coding));
  if (unknown !== undefined)
    return (async function* () {
      yield* [];
      throw new Error(`Content-Encoding: expected gzip, deflate or br, received '${unknown}'`);
    })();
  let out = source;
  for (const coding of codings) {
    if (coding === 'deflate') out = inflate(out);
    else out = through(out, coding === 'br' ? createBrotliDecompress() : createGunzip());
    if (Number.isFinite(maxBytes)) out = bounded(out, maxBytes);
  }
  return out;
}

/** True when `encoding` names a coding to undo (not none, not `identity`). */
export const isEncoded = (encoding: string | undefined) => codingsOf(encoding).length > 0;
