// Issue 23, point 11: 100 concurrent classify() calls printed MaxListenersExceededWarning. Two
// causes: every call waiting for a sequence listened on the guard's one internal signal (bounded
// by maxQueue and removed when served: a false alarm, gone now that each call has a signal of its
// own), and classifyWithin (the middleware's check) added a listener to the caller's signal per
// call and never removed it (a real leak on a shared signal, fixed). On the fixture model with one
// sequence, so that every call but one waits.
import { getEventListeners } from 'node:events';
import type { Guard } from '@vigil/guard-core';
import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyWithin } from '../packages/guard-core/src/internal/index.js';
import { createTinyGuard } from './support/tiny-guard.js';

let guard: Guard;
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);

beforeAll(async () => {
  guard = await createTinyGuard({ concurrency: 1 });
  process.on('warning', onWarning);
});
afterAll(async () => {
  process.off('warning', onWarning);
  await guard.dispose();
});

/** Waits a turn of the event loop: process warnings are emitted on the next tick. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('concurrent calls', () => {
  it('100 with one shared signal print no warning and leave no listener on it', async () => {
    const shared = new AbortController();
    const verdicts = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        guard.classify(`shared signal, message ${index}`, { signal: shared.signal }),
      ),
    );
    await settle();
    expect(verdicts).toHaveLength(100);
    expect(warnings).toEqual([]);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('without a signal print no warning (11 and more waiting for the one sequence)', async () => {
    await Promise.all(
      Array.from({ length: 14 }, (_, index) => guard.classify(`no signal, message ${index}`)),
    );
    await settle();
    expect(warnings).toEqual([]);
  });

  it('100 through classifyWithin (the middleware) with one shared signal leave no listener on it', async () => {
    const scripted = await createGuard({ engine: createScriptedEngine({ delayMs: 5 }) });
    const shared = new AbortController();
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        classifyWithin(scripted, `within ${index}`, { signal: shared.signal }),
      ),
    );
    await settle();
    expect(warnings).toEqual([]);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    await scripted.dispose();
  });

  it('still stop when the shared signal aborts, and on dispose', async () => {
    const shared = new AbortController();
    const aborted = Promise.allSettled(
      Array.from({ length: 6 }, (_, index) =>
        guard.classify(`to abort, message ${index}`, { signal: shared.signal }),
      ),
    );
    shared.abort();
    expect((await aborted).filter((result) => result.status === 'rejected').length).toBeGreaterThan(0);
    const other = await createTinyGuard({ concurrency: 1 });
    const pending = Promise.allSettled(
      Array.from({ length: 6 }, (_, index) => other.classify(`to dispose, message ${index}`)),
    );
    await other.dispose();
    const reasons = (await pending).flatMap((result) =>
      result.status === 'rejected' ? [String(result.reason)] : [],
    );
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toMatch(/VigilDisposedError/);
  });
});
