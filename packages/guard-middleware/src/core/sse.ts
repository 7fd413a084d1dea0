/** One server-sent event, with its exact bytes for re-emitting. */
export interface SseEvent {
  /** The bytes as received, from the end of the previous event to the blank line ending this one. */
  raw: Uint8Array;
  /** The `event:` field, if any (the last one wins, as in the spec). */
  event: string | undefined;
  /**
   * The `data:` field values joined by `\n` (the spec's data buffer), or `undefined` when the
   * event has no data field (comments, `id:`/`retry:` only, blank lines): a spec client
   * dispatches nothing for it.
   */
  data: string | undefined;
  /** False for the unterminated rest returned by `end()` (spec clients drop it). */
  complete: boolean;
  /** True when some line is neither a comment nor a known field (`data`, `event`, `id`, `retry`). */
  stray: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The chunks as one array (`size`: their total length, when the caller already counts it). */
export function concatBytes(
  chunks: readonly Uint8Array[],
  size = chunks.reduce((total, chunk) => total + chunk.byteLength, 0),
): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The fields of one event's text, read line by line as the WHATWG parser does. */
function readFields(text: string): Pick<SseEvent, 'event' | 'data' | 'stray'> {
  let event: string | undefined;
  let data: string | undefined;
  let stray = false;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
    else if (field !== 'id' && field !== 'retry') stray = true;
  }
  return { event, data, stray };
}

/**
 * An incremental, byte-exact parser for `text/event-stream` (the WHATWG rules): lines end in
 * CR, LF or CRLF in any mix, a leading byte-order mark is dropped, `:` lines are comments, an
 * event is dispatched at a blank line and its `data:` lines are joined by `\n`. It splits on
 * bytes (line ends are ASCII, never inside a UTF-8 sequence), so every event keeps its exact
 * bytes: concatenating the `raw` of all events (and of `end()`) gives back the input. A CR at the
 * end of a push waits for the next byte (it may be the first half of a CRLF).
 * @example
 * const parser = createSseParser();
 * parser.push(new TextEncoder().encode('data: {"a":1}\r\n\r\nda')); // [{ raw, event: undefined, data: '{"a":1}' }]
 */
export function createSseParser() {
  const pending: Uint8Array[] = [];
  let pendingSize = 0;
  /** Offset, in the joined pending bytes, of the start of the current (unfinished) line. */
  let lineStart = 0;
  /** Whether the current event has any non-blank line yet. */
  let first = true;

  const take = (end: number): Uint8Array => {
    const all = concatBytes(pending, pendingSize);
    const raw = all.slice(0, end);
    const rest = all.subarray(end);
    pending.length = 0;
    pendingSize = rest.byteLength;
    if (rest.byteLength > 0) pending.push(rest);
    lineStart = 0;
    return raw;
  };

  const parse = (raw: Uint8Array, complete = true): SseEvent => {
    let text = utf8.decode(raw);
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    return { raw, ...readFields(text), complete };
  };

  function scan(chunk: Uint8Array, final: boolean): SseEvent[] {
    pending.push(chunk);
    pendingSize += chunk.byteLength;
    const all = concatBytes(pending, pendingSize);
    pending.length = 0;
    pending.push(all);
    const events: SseEvent[] = [];
    let index = lineStart;
    let eventStart = 0;
    while (index < all.byteLength) {
      const byte = all[index] as number;
      if (byte !== LF && byte !== CR) {
        index++;
        continue;
      }
      if (byte === CR && index + 1 >= all.byteLength && !final) break; // CR or CRLF: wait and see
      const end = byte === CR && all[index + 1] === LF ? index + 2 : index + 1;
      const blank = index === lineStart;
      lineStart = end;
      index = end;
      if (blank) {
        events.push(parse(all.slice(eventStart, end)));
        eventStart = end;
      }
    }
    if (eventStart > 0) {
      lineStart -= eventStart;
      pending.length = 0;
      const rest = all.subarray(eventStart);
      pendingSize = rest.byteLength;
      if (rest.byteLength > 0) pending.push(rest);
    }
    return events;
  }

  return {
    /** Adds bytes; returns the events they complete. */
    push(chunk: Uint8Array): SseEvent[] {
      return chunk.byteLength === 0 ? [] : scan(chunk, false);
    },
    /**
     * The unterminated rest at the end of the stream, as a last event (or none). A spec client
     * drops it, but some clients dispatch it, so it is judged like any other event.
     */
    end(): SseEvent[] {
      const events = pendingSize === 0 ? [] : scan(new Uint8Array(0), true);
      if (pendingSize > 0) events.push(parse(take(pendingSize), false));
      return events;
    },
  };
}
