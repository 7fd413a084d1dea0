import { describe, expect, it } from 'vitest';
import { chunkTexts, createSseParser, isFinishChunk } from './sse.js';

describe('createSseParser', () => {
  it('parses events split across pushes, keeping their raw text', () => {
    const parser = createSseParser();
    expect(parser.push('event: error\nda')).toEqual([]);
    expect(parser.push('ta: {"a":1}\r\n\r\n: comment\n\ndata: x')).toEqual([
      { raw: 'event: error\ndata: {"a":1}\r\n\r\n', event: 'error', data: '{"a":1}' },
      { raw: ': comment\n\n', event: undefined, data: undefined },
    ]);
    expect(parser.end()).toEqual([{ raw: 'data: x', event: undefined, data: 'x' }]);
  });

  it('reads chunk texts by choice', () => {
    const chunk = {
      choices: [
        { index: 1, delta: { content: 'hi' } },
        { index: 0, delta: {} },
      ],
    };
    expect(chunkTexts(chunk)).toEqual([{ index: 1, text: 'hi' }]);
    expect(chunkTexts({ choices: [{ text: 'legacy' }] })).toEqual([{ index: 0, text: 'legacy' }]);
    expect(isFinishChunk({ choices: [{ finish_reason: 'stop' }] })).toBe(true);
    expect(isFinishChunk({ choices: [{ finish_reason: null }] })).toBe(false);
  });
});
