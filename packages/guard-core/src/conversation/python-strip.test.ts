import { describe, expect, it } from 'vitest';
import { isPythonWhitespace, pythonStrip } from './python-strip.js';

describe('pythonStrip', () => {
  // Expected values are Python 3.11's str.strip(), pinned (run once with python3).
  it.each([
    ['\ufeffhello\ufeff', '\ufeffhello\ufeff'],
    ['\u001c\u001d\u001e\u001fhi\u001f', 'hi'],
    ['\u0085 text \u0085', 'text'],
    [' \u3000\u2028mixed\u2029\u202f ', 'mixed'],
    ['\ufeff \ufeff', '\ufeff \ufeff'],
    ['\u180eno\u180e', '\u180eno\u180e'],
    ['\u200bzero\u200b', '\u200bzero\u200b'],
    ['\u0000nul\u0000', '\u0000nul\u0000'],
    ['\t\n\u000b\f\r ok \r\n', 'ok'],
    ['', ''],
    ['   ', ''],
  ])('strips %j as Python does', (input, expected) => {
    expect(pythonStrip(input)).toBe(expected);
  });

  it("accepts exactly Python's str.isspace() characters", () => {
    // [c for c in range(0x110000) if chr(c).isspace()] in Python 3.11.
    const python = [
      0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002,
      0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
    ];
    const found: number[] = [];
    for (let code = 0; code <= 0xffff; code++) if (isPythonWhitespace(code)) found.push(code);
    expect(found).toEqual(python);
  });

  it('takes linear time on long whitespace runs', () => {
    const text = `a${' '.repeat(200_000)}b${' '.repeat(200_000)}`;
    expect(pythonStrip(text)).toBe(text.trimEnd());
  });
});
