import { describe, expect, it } from 'vitest';
import { codePointEnd, estimateTokens, hasSentenceEnd, lastWordEnd } from './text-boundary.js';

describe('text boundaries', () => {
  it('ends checks after the last whole word', () => {
    expect(lastWordEnd('Hello wor', 0)).toBe(6);
    expect(lastWordEnd('Hello world ', 0)).toBe(12);
    expect(lastWordEnd('Hello', 0)).toBe(-1);
    expect(lastWordEnd('Hello world', 6)).toBe(-1);
    expect(lastWordEnd('你好。世界', 0)).toBe(3);
  });

  it('finds sentence ends only before whitespace or at CJK stops', () => {
    expect(hasSentenceEnd('Done. ')).toBe(true);
    expect(hasSentenceEnd('He said "stop!" ')).toBe(true);
    expect(hasSentenceEnd('version 3.5 is out')).toBe(false);
    expect(hasSentenceEnd('好。')).toBe(true);
    expect(hasSentenceEnd('line\nnext')).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const text = 'ok 😀';
    expect(codePointEnd(text, 4)).toBe(3);
    expect(codePointEnd(text, 5)).toBe(5);
  });

  it('estimates four characters a token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcde')).toBe(2);
  });
});
