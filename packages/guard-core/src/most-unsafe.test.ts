import { describe, expect, it } from 'vitest';
import { mostUnsafe } from './most-unsafe.js';
import type { Verdict } from './verdict/types.js';

const verdict = (safe: boolean, unsafeProbability: number | null, raw: string): Verdict => ({
  safe,
  role: 'user',
  unsafeProbability,
  probabilitySource: unsafeProbability === null ? 'text' : 'logprobs',
  categories: [],
  ignoredCategories: [],
  raw,
  usage: { promptTokens: 10, evaluatedTokens: 4, cachedTokens: 6 },
  durationMs: 1,
  cached: false,
});

describe('mostUnsafe', () => {
  it('prefers an unsafe verdict, then the higher probability, then the first; sums usage', () => {
    const chosen = mostUnsafe([verdict(true, 0.4, 'a'), verdict(false, 0.6, 'b'), verdict(true, 0.45, 'c')]);
    expect(chosen).toMatchObject({
      raw: 'b',
      usage: { promptTokens: 30, evaluatedTokens: 12, cachedTokens: 18 },
    });
    expect(mostUnsafe([verdict(true, 0.2, 'a'), verdict(true, 0.2, 'b')]).raw).toBe('a');
    // An unsafe verdict whose policy named an ignored category can be safe at a high probability.
    expect(mostUnsafe([verdict(true, 0.9, 'a'), verdict(false, 0.7, 'b')]).raw).toBe('b');
    expect(mostUnsafe([verdict(true, null, 'a'), verdict(false, null, 'b')]).raw).toBe('b');
  });

  it('returns a single verdict as it is', () => {
    const only = verdict(true, 0.1, 'a');
    expect(mostUnsafe([only])).toBe(only);
  });
});
