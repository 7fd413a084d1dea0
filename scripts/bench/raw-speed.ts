// The hardware's own pace on a model, measured with node-llama-cpp directly: how fast a fresh
// sequence evaluates a prompt (no cache, median of 3) and how long one forward step for one
// token takes (median of 12).

import type { Token } from 'node-llama-cpp';
import { getSharedLlama } from '../../packages/guard-core/src/internal/index.js';

export interface RawSpeed {
  raw_prefill_tokens_per_s: number;
  decode_ms_per_token: number;
}

/**
 * Median milliseconds to evaluate `length` tokens on a fresh sequence, for each length: small
 * batches run fewer tokens per second than large ones, so a short call's own floor is this.
 */
export async function measurePrefillMs(modelPath: string, threads: number, lengths: readonly number[]) {
  const llama = await getSharedLlama();
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 2048, threads, sequences: 1 });
  const sequence = context.getSequence();
  try {
    const result: Record<number, number> = {};
    for (const length of lengths) {
      const tokens = Array.from({ length }, (_, i) => (1000 + ((i * 7919) % 100_000)) as Token);
      const runs: number[] = [];
      for (let run = 0; run < 3; run++) {
        await sequence.clearHistory();
        const started = performance.now();
        await sequence.controlledEvaluate(tokens);
        runs.push(performance.now() - started);
      }
      runs.sort((a, b) => a - b);
      result[length] = runs[1] as number;
    }
    return result;
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

export async function measureRawSpeed(
  modelPath: string,
  threads: number,
  promptTokens: number[],
): Promise<RawSpeed> {
  const llama = await getSharedLlama();
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 2048, threads, sequences: 1 });
  const sequence = context.getSequence();
  try {
    // Warm up (page in the weights), then time fresh evaluations of the whole prompt.
    await sequence.controlledEvaluate(promptTokens.slice(0, 32) as Token[]);
    const prefillSeconds: number[] = [];
    for (let run = 0; run < 3; run++) {
      await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
      const started = performance.now();
      await sequence.controlledEvaluate(promptTokens as Token[]);
      prefillSeconds.push((performance.now() - started) / 1000);
    }
    const stepMs: number[] = [];
    let token = promptTokens[0] as Token;
    for (let step = 0; step < 12; step++) {
      const started = performance.now();
      const [result] = await sequence.controlledEvaluate([[token, { generateNext: { token: true } }]]);
      stepMs.push(performance.now() - started);
      token = (result?.next.token ?? token) as Token;
    }
    prefillSeconds.sort((a, b) => a - b);
    stepMs.sort((a, b) => a - b);
    return {
      raw_prefill_tokens_per_s: promptTokens.length / (prefillSeconds[1] as number),
      decode_ms_per_token: stepMs[Math.floor(stepMs.length / 2)] as number,
    };
  } finally {
    await context.dispose();
    await model.dispose();
  }
}
