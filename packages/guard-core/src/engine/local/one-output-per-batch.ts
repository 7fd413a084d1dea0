import type { BatchItem, PrioritizedBatchItem } from 'node-llama-cpp';

/**
 * A batching strategy for node-llama-cpp contexts with several sequences: tokens of many
 * sequences share a batch (first come, first served), but only one sequence's tokens that need
 * logits go into each batch.
 *
 * Why: with node-llama-cpp 3.21.1's llama.cpp, when two sequences that already hold tokens both
 * ask for logits in one batch, the logits can come back swapped between them (reproduced here:
 * sequence A received B's next-token distribution and the other way round). Keeping one
 * output-producing sequence per batch avoids it; the others' prompt tokens still ride along.
 */
export function oneOutputPerBatch({
  items,
  size,
}: {
  items: readonly BatchItem[];
  size: number;
}): PrioritizedBatchItem[] {
  const batch: PrioritizedBatchItem[] = [];
  let left = size;
  let outputTaken = false;
  for (const item of items) {
    if (left <= 0) break;
    let processAmount = Math.min(left, item.tokens.length);
    const firstOutput = item.logits.indexOf(true);
    if (firstOutput >= 0 && firstOutput < processAmount) {
      if (outputTaken) processAmount = firstOutput;
      else outputTaken = true;
    }
    if (processAmount <= 0) continue;
    batch.push({ item, processAmount });
    left -= processAmount;
  }
  return batch;
}
