import { describe, expect, it } from 'vitest';
import { sample } from './sample.js';

describe('sample', () => {
  const items = Array.from({ length: 100 }, (_, index) => index);

  it('is reproducible for a seed, ordered, without repeats, and differs across seeds', () => {
    const a = sample(items, 10, 7);
    expect(a).toEqual(sample(items, 10, 7));
    expect(a).toHaveLength(10);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(10);
    expect(sample(items, 10, 8)).not.toEqual(a);
  });

  it('takes everything when asked for more than there is', () => {
    expect(sample([1, 2, 3], 10, 1)).toEqual([1, 2, 3]);
  });

  it('spreads over the whole input (not only the head)', () => {
    const picked = sample(items, 20, 3);
    expect(picked.some((index) => index >= 50)).toBe(true);
    expect(picked.some((index) => index < 50)).toBe(true);
  });
});
