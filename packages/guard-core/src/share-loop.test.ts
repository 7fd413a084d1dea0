import { describe, expect, it } from 'vitest';
import { loopSliceMs, shareLoop } from './share-loop.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: stands for a synchronous tokenizer call
  }
};

describe('shareLoop', () => {
  it('lets small work through without yielding', () => {
    expect(shareLoop()).toBeUndefined();
  });

  it('bounds the work of each turn of the loop, however many callers work at once', async () => {
    let loopTurn = 0;
    let ticking = true;
    const tick = () => {
      loopTurn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const work = new Map<number, number>();
    const worker = async () => {
      for (let chunk = 0; chunk < 12; chunk++) {
        const turn = shareLoop();
        if (turn) await turn;
        const started = performance.now();
        busy(2);
        work.set(loopTurn, (work.get(loopTurn) ?? 0) + performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    ticking = false;
    // 6 workers x 12 chunks x 2 ms = 144 ms of work; no turn of the loop holds much more than a slice.
    expect(Math.max(...work.values())).toBeLessThan(loopSliceMs + 2 * 2 + 1);
    expect(work.size).toBeGreaterThan(6);
  });
});
