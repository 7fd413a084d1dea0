import { describe, expect, it } from 'vitest';
import { parseBody } from './body.js';

const bytes = (text: string) => ({ kind: 'bytes' as const, bytes: new TextEncoder().encode(text) });

describe('parseBody', () => {
  it('parses by content type, sniffing JSON sent as a form', () => {
    expect(parseBody(bytes('{"a":1}'), 'application/json')).toEqual({ kind: 'json', value: { a: 1 } });
    expect(parseBody(bytes('{"a":1}'), 'application/x-www-form-urlencoded')).toEqual({
      kind: 'json',
      value: { a: 1 },
    });
    expect(parseBody(bytes('a=1'), 'application/x-www-form-urlencoded')).toEqual({ kind: 'unsupported' });
    expect(parseBody(bytes('{oops'), 'application/json')).toEqual({ kind: 'invalid-json', text: '{oops' });
    expect(parseBody(bytes('hello'), 'text/plain')).toEqual({ kind: 'text', text: 'hello' });
    expect(parseBody(bytes(''), 'application/json')).toEqual({ kind: 'none' });
    expect(parseBody({ kind: 'value', value: {} }, 'application/json')).toEqual({ kind: 'none' });
  });
});
