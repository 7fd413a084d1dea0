import { describe, expect, it } from 'vitest';
import { loopSliceMs, shareLoop } from './share-loop.js';

/** Spins for `ms` of wall time: stands for a synchronous tokenizer call. */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
};

describe('shareLoop', () => {
  it('lets small work through without yielding', () => {
    expect(shareLoop()).toBeUndefined();
  });

  it('gives each turn of the loop to one caller for about a slice, however many work at once', async () => {
    let loopTurn = 0;
    let ticking = true;
    const tick = () => {
      loopTurn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    // Per turn of the loop: which workers ran, and how many 2 ms chunks.
    const turns = new Map<number, { workers: Set<number>; chunks: number }>();
    const worker = async (id: number) => {
      for (let chunk = 0; chunk < 12; chunk++) {
        const turn = shareLoop();
        if (turn) await turn;
        const entry = turns.get(loopTurn) ?? { workers: new Set(), chunks: 0 };
        entry.workers.add(id);
        entry.chunks++;
        turns.set(loopTurn, entry);
        busy(2);
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, id) => worker(id)));
    ticking = false;
    // 6 workers x 12 chunks: each turn holds one worker's chunks until a slice has passed.
    const entries = [...turns.values()];
    expect(entries.every((entry) => entry.workers.size === 1)).toBe(true);
    expect(Math.max(...entries.map((entry) => entry.chunks))).toBeLessThanOrEqual(loopSliceMs / 2 + 1);
    expect(entries.reduce((sum, entry) => sum + entry.chunks, 0)).toBe(72);
  });
});
