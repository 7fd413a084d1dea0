import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { createSseParser } from './sse.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** What the spec parser (eventsource-parser) dispatches for a whole stream. */
function reference(text: string) {
  const events: Array<{ event: string | undefined; data: string }> = [];
  const parser = createParser({
    onEvent: (message) => events.push({ event: message.event, data: message.data }),
  });
  parser.feed(text);
  return events;
}

/** Ours, fed in pieces of `size` bytes; raw bytes of all events joined, and the dispatched events. */
function ours(bytes: Uint8Array, size: number) {
  const parser = createSseParser();
  const events = [];
  for (let start = 0; start < bytes.byteLength; start += size)
    events.push(...parser.push(bytes.subarray(start, start + size)));
  events.push(...parser.end());
  const raw = Buffer.concat(events.map((event) => event.raw));
  return {
    raw,
    dispatched: events
      .filter((event) => event.complete && event.data !== undefined)
      .map((event) => ({ event: event.event, data: event.data })),
  };
}

const tricky: Record<string, string> = {
  'LF events': 'data: a\n\ndata: b\n\n',
  'CRLF events': 'data: a\r\n\r\ndata: b\r\n\r\n',
  'CR events': 'data: a\r\rdata: b\r\r',
  'LF then CRLF (\\n\\r\\n)': 'data: a\n\r\ndata: b\n\r\n',
  'LF then CR (\\n\\r)': 'data: a\n\rdata: b\n\r',
  'CR LF mixed in one event': 'event: x\rdata: 1\r\ndata: 2\n\r\n',
  'a byte-order mark first': '\ufeffdata: bom\n\n',
  comments: ': keep-alive\n\n:another\ndata: c\n\n',
  'multi-line data': 'data: line one\ndata: line two\ndata\n\n',
  'no space after the colon': 'data:tight\n\n',
  'two spaces after the colon': 'data:  loose\n\n',
  'field without value': 'data\n\n',
  'id and retry only': 'id: 7\nretry: 100\n\n',
  'extra blank lines': '\n\n\ndata: z\n\n\n\n',
  '[DONE] and after': 'data: [DONE]\n\ndata: later\n\n',
  unicode: 'data: Crème 日本語 😀\n\n',
  'event type reset': 'event: one\ndata: 1\n\ndata: 2\n\n',
};

describe('createSseParser', () => {
  for (const [name, text] of Object.entries(tricky)) {
    it(`dispatches what the spec parser does, and keeps every byte: ${name}`, () => {
      const bytes = encoder.encode(text);
      const expected = reference(text);
      for (const size of [1, 2, 3, 5, bytes.byteLength]) {
        const result = ours(bytes, size);
        expect(result.dispatched).toEqual(expected);
        expect(Buffer.compare(result.raw, Buffer.from(bytes))).toBe(0);
      }
    });
  }

  it('returns an unterminated last event from end() (judged, though spec clients drop it)', () => {
    const parser = createSseParser();
    expect(parser.push(encoder.encode('data: one\n\ndata: two'))).toHaveLength(1);
    const [tail] = parser.end();
    expect(tail).toMatchObject({ data: 'two', complete: false });
    expect(decoder.decode(tail?.raw)).toBe('data: two');
  });

  it('waits on a CR at the end of a push: it may be half of a CRLF', () => {
    const parser = createSseParser();
    expect(parser.push(encoder.encode('data: a\r\n\r'))).toEqual([]);
    const [event] = parser.push(encoder.encode('\ndata: b'));
    expect(decoder.decode(event?.raw)).toBe('data: a\r\n\r\n');
  });

  it('keeps invalid UTF-8 bytes as they came', () => {
    const bytes = new Uint8Array([...encoder.encode('data: '), 0xff, 0xc3, 0x0a, 0x0a]);
    const [event] = createSseParser().push(bytes);
    expect(Buffer.compare(Buffer.from(event?.raw ?? []), Buffer.from(bytes))).toBe(0);
    expect(event?.data).toBe('\ufffd\ufffd');
  });
});
