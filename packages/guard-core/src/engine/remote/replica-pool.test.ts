import { describe, expect, it } from 'vitest';
import { VigilAbortError, VigilEngineError, VigilQueueFullError } from '../../errors.js';
import { ReplicaPool, replicaRoot } from './replica-pool.js';

function pool(urls: string[], options: Partial<ConstructorParameters<typeof ReplicaPool>[1]> = {}) {
  let now = 0;
  const created = new ReplicaPool(urls, {
    maxInFlight: 2,
    maxQueue: 1,
    failureThreshold: 2,
    cooldownMs: 1000,
    now: () => now,
    ...options,
  });
  return { pool: created, advance: (ms: number) => (now += ms) };
}

describe('ReplicaPool', () => {
  it('strips /v1 and trailing slashes', () => {
    expect(replicaRoot('http://h:8000/v1/')).toBe('http://h:8000');
    expect(replicaRoot('http://h:8000')).toBe('http://h:8000');
  });

  it('picks the replica with the fewest outstanding requests, preferring ones not excluded', async () => {
    const { pool: replicas } = pool(['http://a', 'http://b']);
    const first = await replicas.acquire();
    const second = await replicas.acquire();
    expect([first.url, second.url]).toEqual(['http://a', 'http://b']);
    const third = await replicas.acquire(undefined, new Set([first]));
    expect(third.url).toBe('http://b');
  });

  it('queues when every replica is at maxInFlight, up to maxQueue', async () => {
    const { pool: replicas } = pool(['http://a'], { maxInFlight: 1 });
    const held = await replicas.acquire();
    const waiting = replicas.acquire();
    await expect(replicas.acquire()).rejects.toSatisfy(VigilQueueFullError.isInstance);
    replicas.release(held, 'success');
    expect((await waiting).url).toBe('http://a');
  });

  it('lets an abort leave the queue', async () => {
    const { pool: replicas } = pool(['http://a'], { maxInFlight: 1 });
    await replicas.acquire();
    const controller = new AbortController();
    const waiting = replicas.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toSatisfy(VigilAbortError.isInstance);
    expect(replicas.waiting).toBe(0);
  });

  it('opens the breaker after consecutive failures, then lets one trial call through', async () => {
    const { pool: replicas, advance } = pool(['http://a', 'http://b']);
    const [a] = replicas.replicas;
    for (let i = 0; i < 2; i++)
      replicas.release(
        await replicas.acquire(undefined, new Set(replicas.replicas.slice(1))),
        'failure',
        'HTTP 500',
      );
    expect(replicas.healthy).toBe(1);
    expect((await replicas.acquire()).url).toBe('http://b');
    advance(1000);
    const trial = await replicas.acquire(undefined, new Set(replicas.replicas.slice(1)));
    expect(trial).toBe(a);
    // Half-open: only one trial at a time.
    expect((await replicas.acquire(undefined, new Set(replicas.replicas.slice(1)))).url).toBe('http://b');
    replicas.release(trial, 'success');
    expect(replicas.healthy).toBe(2);
  });

  it('says which replicas are out and why when none is left', async () => {
    const { pool: replicas } = pool(['http://a'], { failureThreshold: 1 });
    replicas.release(await replicas.acquire(), 'failure', 'connection failed (ECONNREFUSED)');
    await expect(replicas.acquire()).rejects.toThrow(
      'remote engine: no replica available: expected one in rotation, received none: replica http://a: out of rotation for 1000 ms after 1 failures (last: connection failed (ECONNREFUSED))',
    );
    await expect(replicas.acquire()).rejects.toSatisfy(VigilEngineError.isInstance);
  });
});
