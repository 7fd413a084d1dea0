/** A body read up to a limit: complete, or the part read plus the rest still to read. */
export type LimitedRead =
  | { complete: true; bytes: Uint8Array }
  | { complete: false; head: Uint8Array[]; rest: AsyncIterator<Uint8Array> };

/**
 * Reads a byte stream until it ends or passes `maxBytes`. Past the limit it stops reading and
 * hands back what it read plus the unread rest, so the body can still be passed on intact.
 * @example
 * const read = await readLimited(request.body, 1_048_576);
 * if (read.complete) console.log(new TextDecoder().decode(read.bytes));
 */
export async function readLimited(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<LimitedRead> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    head.push(next.value);
    size += next.value.byteLength;
    if (size > maxBytes) return { complete: false, head, rest: iterator };
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of head) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { complete: true, bytes };
}

/** The whole body again, from a read that passed the limit. */
export async function* replay(read: LimitedRead): AsyncGenerator<Uint8Array, void, undefined> {
  if (read.complete) {
    yield read.bytes;
    return;
  }
  yield* read.head;
  for (let next = await read.rest.next(); !next.done; next = await read.rest.next()) yield next.value;
}

/** A web stream over an async iterable of bytes. */
export const streamOf = (source: AsyncIterable<Uint8Array>) =>
  ReadableStream.from(source) as ReadableStream<Uint8Array>;
