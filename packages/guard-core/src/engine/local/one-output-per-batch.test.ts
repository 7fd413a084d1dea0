import type { BatchItem } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { oneOutputPerBatch } from './one-output-per-batch.js';

const item = (length: number, outputs: number[]): BatchItem => {
  const logits: (true | undefined)[] = Array.from({ length });
  for (const index of outputs) logits[index] = true;
  return { tokens: Array.from({ length }, (_, i) => i) as never, logits, evaluationPriority: 5 };
};

describe('oneOutputPerBatch', () => {
  it('lets only the first output-producing item reach its logits in a batch', () => {
    const [a, b, c] = [item(10, [9]), item(6, [5]), item(4, [])];
    expect(oneOutputPerBatch({ items: [a, b, c], size: 512 }).map((p) => [p.item, p.processAmount])).toEqual([
      [a, 10],
      [b, 5],
      [c, 4],
    ]);
  });

  it('skips an item whose first token needs logits when another already has them', () => {
    const [a, b, c] = [item(3, [2]), item(1, [0]), item(2, [1])];
    expect(oneOutputPerBatch({ items: [a, b, c], size: 512 }).map((p) => [p.item, p.processAmount])).toEqual([
      [a, 3],
      [c, 1],
    ]);
  });

  it('respects the batch size, first come first served', () => {
    const [a, b] = [item(300, [299]), item(300, [299])];
    expect(oneOutputPerBatch({ items: [a, b], size: 512 }).map((p) => p.processAmount)).toEqual([300, 212]);
    expect(oneOutputPerBatch({ items: [a], size: 100 }).map((p) => p.processAmount)).toEqual([100]);
  });
});
