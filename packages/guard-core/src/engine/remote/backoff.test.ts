import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('draws uniformly below a doubling ceiling capped at 2 s', () => {
    expect(backoffDelay(0, undefined, () => 1)).toBe(100);
    expect(backoffDelay(3, undefined, () => 0.5)).toBe(400);
    expect(backoffDelay(10, undefined, () => 1)).toBe(2000);
    expect(backoffDelay(2, undefined, () => 0)).toBe(0);
  });

  it('waits at least Retry-After, capped', () => {
    expect(backoffDelay(0, 700, () => 0.5)).toBe(700);
    expect(backoffDelay(0, 60_000, () => 0.5)).toBe(2000);
  });
});
