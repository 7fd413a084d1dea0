import { describe, expect, it } from 'vitest';
import { VigilAbortError, VigilDisposedError, VigilQueueFullError } from '../../errors.js';
import { commonPrefixLength, SequencePool } from './sequence-pool.js';

const slot = (name: string, tokens: number[]) => ({ name, tokens });

describe('SequencePool', () => {
  it('measures common prefixes', () => {
    expect(commonPrefixLength([1, 2, 3], [1, 2, 4])).toBe(2);
    expect(commonPrefixLength([], [1])).toBe(0);
    expect(commonPrefixLength([1, 2], [1, 2])).toBe(2);
  });

  it('gives a free slot to the caller whose tokens it holds the most of', async () => {
    const pool = new SequencePool([slot('a', [1, 2, 3]), slot('b', [1, 9, 9]), slot('c', [])], 10);
    expect((await pool.acquire([1, 9, 9, 4], 2)).name).toBe('b');
    expect((await pool.acquire([1, 2, 5], 2)).name).toBe('a');
  });

  it('spares useful caches: with no useful reuse it takes the least recently used slot', async () => {
    const a = slot('a', [1, 2, 3, 4]);
    const b = slot('b', []);
    const pool = new SequencePool([a, b], 10);
    // [1, 7, ...] shares one token with a, less than the reusable prefix of 2: b is taken.
    const first = await pool.acquire([1, 7, 7], 2);
    expect(first.name).toBe('b');
    first.tokens.push(1, 7, 7);
    pool.release(first);
    expect((await pool.acquire([1, 2, 3, 4, 5], 2)).name).toBe('a');
    expect((await pool.acquire([9], 1)).name).toBe('b');
  });

  it('serves waiting callers first come, first served, and bounds the queue', async () => {
    const only = slot('only', []);
    const pool = new SequencePool([only], 2);
    const held = await pool.acquire([1], 0);
    const order: string[] = [];
    const first = pool.acquire([1], 0).then(() => order.push('first'));
    const second = pool.acquire([2], 0).then(() => order.push('second'));
    await expect(pool.acquire([3], 0)).rejects.toThrow(VigilQueueFullError);
    pool.release(held);
    await first;
    pool.release(only);
    await second;
    expect(order).toEqual(['first', 'second']);
  });

  it('drops an aborted waiter and rejects waiters on close', async () => {
    const pool = new SequencePool([slot('only', [])], 10);
    const held = await pool.acquire([], 0);
    const controller = new AbortController();
    const aborted = pool.acquire([], 0, controller.signal);
    const closed = pool.acquire([], 0);
    controller.abort();
    await expect(aborted).rejects.toThrow(VigilAbortError);
    expect(pool.waiting).toBe(1);
    pool.close();
    await expect(closed).rejects.toThrow(VigilDisposedError);
    pool.release(held);
    expect(pool.free).toBe(1);
  });
});
