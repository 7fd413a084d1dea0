import { describe, expect, it } from 'vitest';
import { readLines } from './read-lines.js';

async function* from(chunks: (string | Buffer)[]) {
  yield* chunks;
}

async function collect(chunks: (string | Buffer)[]) {
  const lines = [];
  for await (const line of readLines(from(chunks))) lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('numbers lines across chunk boundaries, CRLF included', async () => {
    expect(await collect(['a\r\nb', 'c\n', '\nd'])).toEqual([
      { text: 'a', line: 1, bytes: 3 },
      { text: 'bc', line: 2, bytes: 3 },
      { text: '', line: 3, bytes: 1 },
      { text: 'd', line: 4, bytes: 1 },
    ]);
  });

  it('ends lines at a lone CR too, a CRLF split between chunks counting once', async () => {
    expect(await collect(['a\rb\r', '\nc\r', 'd\r'])).toEqual([
      { text: 'a', line: 1, bytes: 2 },
      { text: 'b', line: 2, bytes: 3 },
      { text: 'c', line: 3, bytes: 2 },
      { text: 'd', line: 4, bytes: 2 },
    ]);
  });

  it('decodes a multi-byte character split between buffers', async () => {
    const bytes = Buffer.from('é\n');
    expect(await collect([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual([
      { text: 'é', line: 1, bytes: 3 },
    ]);
  });

  it('yields nothing for an empty input', async () => {
    expect(await collect([])).toEqual([]);
  });
});
