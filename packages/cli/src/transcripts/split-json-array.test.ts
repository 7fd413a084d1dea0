import { describe, expect, it } from 'vitest';
import { readLines } from './read-lines.js';
import { splitJsonArray } from './split-json-array.js';

async function split(text: string) {
  async function* chunks() {
    // Small chunks cross every boundary.
    for (let index = 0; index < text.length; index += 3) yield text.slice(index, index + 3);
  }
  const out = [];
  for await (const item of splitJsonArray(readLines(chunks()))) out.push(item);
  return out;
}

describe('splitJsonArray', () => {
  it('yields each top-level element with the line it starts on', async () => {
    const text = '[\n  {"a": "x]}\\"y"},\n  [1, {"b": [2]}],\n  "s", 42\n]\n';
    expect(await split(text)).toEqual([
      { text: '{"a": "x]}\\"y"}', line: 2 },
      { text: '[1, {"b": [2]}]', line: 3 },
      { text: '"s"', line: 4 },
      { text: '42', line: 4 },
    ]);
  });

  it('keeps an element spread over lines parseable', async () => {
    const [element] = await split('[{\n"a":\n"b"\n}]');
    expect(JSON.parse((element as { text: string }).text)).toEqual({ a: 'b' });
  });

  it('yields a single top-level object as one element', async () => {
    expect(await split('{"messages": []}\n')).toEqual([{ text: '{"messages": []}', line: 1 }]);
  });

  it('reports an unclosed array and stray text', async () => {
    expect(await split('[{"a": 1},\n{"b"')).toEqual([
      { text: '{"a": 1}', line: 1 },
      { problem: 'unexpected end of file: the JSON array is not closed', line: 2 },
    ]);
    expect(await split('[]\nx')).toEqual([
      { problem: "unexpected 'x' after the end of the JSON document", line: 2 },
    ]);
    expect(await split('hello')).toEqual([
      { problem: "expected a JSON array or object, received 'h'", line: 1 },
    ]);
  });
});

describe('splitJsonArray on awkward input', () => {
  it('handles escapes at chunk ends, tabs, nested strings with brackets and a string element', async () => {
    const text = '[\t"a\\\\",\r\n {"k": "[{\\"}"},\n\t{"x": [1, "]"]}\n]';
    const elements = (await split(text)) as { text: string; line: number }[];
    expect(elements.map((element) => JSON.parse(element.text))).toEqual([
      'a\\',
      { k: '[{"}' },
      { x: [1, ']'] },
    ]);
    expect(elements.map((element) => element.line)).toEqual([1, 2, 3]);
  });
});
