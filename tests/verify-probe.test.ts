// The load path (ADR 0015): the check that a model answers like Llama Guard must find
// P(safe) + P(unsafe) of the whole vocabulary's probabilities, computed apart in a model of its
// own; the weights mapped (the default) or read give the same verdicts.
import { createGuard, createLocalEngine, type GuardEngine } from '@vigil/guard-core';
import type { Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeConversation } from '../packages/guard-core/src/conversation/normalize.js';
import { getSharedLlama } from '../packages/guard-core/src/engine/local/llama.js';
import { resolvePolicy } from '../packages/guard-core/src/policy/policy.js';
import { createPromptRenderer } from '../packages/guard-core/src/prompt/renderer.js';
import { FIXTURE_PATHS } from '../scripts/fixtures/fixture-facts.js';

let engine: GuardEngine;
beforeAll(async () => {
  engine = await createLocalEngine({
    model: FIXTURE_PATHS.tinyRandomGuard,
    contextSize: 1024,
    concurrency: 1,
  });
});
afterAll(() => engine?.dispose());

/** P(safe) + P(unsafe) after the prompt, from the whole distribution, in a model of its own. */
async function massFromProbabilities(prefix: string, conversation: string, tail: string) {
  const llama = await getSharedLlama();
  const model = await llama.loadModel({ modelPath: FIXTURE_PATHS.tinyRandomGuard });
  try {
    const context = await model.createContext({ contextSize: 1024, sequences: 1 });
    const tokens = [
      ...model.tokenize(prefix, true),
      ...model.tokenize(conversation, false),
      ...model.tokenize(tail, true),
    ];
    const input: Parameters<ReturnType<typeof context.getSequence>['controlledEvaluate']>[0] = tokens.slice(
      0,
      -1,
    );
    input.push([tokens.at(-1) as Token, { generateNext: { probabilities: true } }]);
    const results = await context.getSequence().controlledEvaluate(input);
    const probabilities = results.at(-1)?.next?.probabilities as Map<Token, number>;
    const [safe] = model.tokenize('safe', false);
    const [unsafe] = model.tokenize('unsafe', false);
    await context.dispose();
    return (probabilities.get(safe as Token) ?? 0) + (probabilities.get(unsafe as Token) ?? 0);
  } finally {
    await model.dispose();
  }
}

describe('the verification probe', () => {
  it('finds the same verdict mass as the whole probability distribution', async () => {
    const policy = resolvePolicy({}, 'test');
    const renderer = createPromptRenderer(engine.model.chatTemplate);
    for (const text of ['Hello!', 'How do I bake bread?']) {
      const segments = renderer.segments(policy, normalizeConversation(text));
      const mass = await engine.verdictMass?.(segments);
      const expected = await massFromProbabilities(segments.prefix, segments.conversation, segments.tail);
      expect(expected).toBeGreaterThan(0.001);
      // Within the spread of llama.cpp's kernels between two contexts (batch sizes, flash attention).
      expect(Math.abs((mass ?? 0) - expected)).toBeLessThan(1e-3);
    }
  });
});

describe('mapped or read weights', () => {
  it('give the same verdicts, micro-batches of 512 (the default) or 128 tokens within kernel noise', async () => {
    const texts = ['How do I bake bread?', 'I will hurt you', 'Tell me about rivers and gardens.'];
    const verdicts = async (options: { mmap?: boolean; batchSize?: number }) => {
      const guard = await createGuard({
        model: FIXTURE_PATHS.tinyRandomGuard,
        contextSize: 1024,
        concurrency: 1,
        verdictCacheSize: 0,
        flashAttention: false,
        ...options,
      });
      try {
        const scores: (number | null)[] = [];
        for (const text of texts) scores.push((await guard.classify(text)).unsafeProbability);
        return scores;
      } finally {
        await guard.dispose();
      }
    };
    const mapped = await verdicts({});
    expect(await verdicts({ mmap: false })).toEqual(mapped);
    const narrow = await verdicts({ batchSize: 128 });
    for (const [index, score] of narrow.entries())
      expect(Math.abs((score ?? 0) - (mapped[index] ?? 0))).toBeLessThan(1e-3);
  });
});
