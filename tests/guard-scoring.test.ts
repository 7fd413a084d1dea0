// The score is what the docs say it is: unsafeProbability equals P(unsafe) / (P(safe) + P(unsafe))
// computed from the full next-token distribution, on a random-weight model whose probabilities
// are far from 0 and 1. Category probabilities likewise, over the code tokens.
import { createGuard, createLocalEngine, type GuardEngine } from '@vigil/guard-core';
import type { LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPromptRenderer,
  getSharedLlama,
  normalizeConversation,
} from '../packages/guard-core/src/internal/index.js';
import { FIXTURE_PATHS } from '../scripts/fixtures/fixture-facts.js';

const messages = [
  'What is the capital of France?',
  'Tell me how to pick a lock on my own front door',
  'Write a poem about the sea at night',
  'My neighbour keeps parking in my spot, what should I do?',
  'Explain photosynthesis to a child',
];

let engine: GuardEngine;
let model: LlamaModel;
let context: LlamaContext;

beforeAll(async () => {
  engine = await createLocalEngine({
    model: FIXTURE_PATHS.tinyRandomGuard,
    threads: 2,
    contextSize: 1024,
    concurrency: 1,
  });
  const llama = await getSharedLlama();
  model = await llama.loadModel({ modelPath: FIXTURE_PATHS.tinyRandomGuard });
  context = await model.createContext({ contextSize: 1024, threads: 2, flashAttention: false });
});
afterAll(async () => {
  await context?.dispose();
  await model?.dispose();
  await engine?.dispose();
});

/** The full next-token distribution after `tokens`, on a fresh sequence. */
async function distribution(tokens: Token[]) {
  const sequence = context.getSequence();
  try {
    const input = tokens.slice(0, -1) as Parameters<typeof sequence.controlledEvaluate>[0];
    input.push([tokens.at(-1) as Token, { generateNext: { probabilities: true } }]);
    const results = await sequence.controlledEvaluate(input);
    return results.at(-1)?.next.probabilities as Map<Token, number>;
  } finally {
    sequence.dispose();
  }
}

describe('the score', () => {
  it('is P(unsafe) / (P(safe) + P(unsafe)) from the full distribution', async () => {
    const guard = await createGuard({ engine, threshold: 1, verdictCacheSize: 0 });
    const renderer = createPromptRenderer(guard.model.chatTemplate);
    const [safe, unsafe] = [model.tokenize('safe')[0] as Token, model.tokenize('unsafe')[0] as Token];
    const scores: number[] = [];
    for (const text of messages) {
      const verdict = await guard.classify(text);
      const segments = renderer.segments(guard.policy, normalizeConversation(text));
      const tokens = [
        ...model.tokenize(segments.prefix, true),
        ...model.tokenize(segments.conversation, false),
        ...model.tokenize(segments.tail, true),
      ];
      expect(tokens.length).toBe(verdict.usage.promptTokens);
      const probabilities = await distribution(tokens);
      const [pSafe, pUnsafe] = [probabilities.get(safe) ?? 0, probabilities.get(unsafe) ?? 0];
      expect(Math.abs((verdict.unsafeProbability as number) - pUnsafe / (pSafe + pUnsafe))).toBeLessThan(
        1e-3,
      );
      scores.push(verdict.unsafeProbability as number);
    }
    // The model is random, not degenerate: the scores differ from message to message.
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(0.05);
  });

  it('gives category probabilities over the code tokens after "unsafe\\nS"', async () => {
    // Every known code in the policy, so whichever the model names is reported with its probability.
    const categories = Array.from({ length: 14 }, (_, index) => `S${index + 1}`);
    const guard = await createGuard({ engine, categories, threshold: 0.000001, verdictCacheSize: 0 });
    const renderer = createPromptRenderer(guard.model.chatTemplate);
    const text = messages[1] as string;
    const verdict = await guard.classify(text, { includeCategoryProbabilities: true });
    expect(verdict.safe).toBe(false);
    const segments = renderer.segments(guard.policy, normalizeConversation(text));
    const tokens = [
      ...model.tokenize(segments.prefix, true),
      ...model.tokenize(segments.conversation, false),
      ...model.tokenize(segments.tail, true),
      ...model.tokenize('unsafe\nS', false),
    ];
    const probabilities = await distribution(tokens);
    const codeTokens = guard.policy.categories.map(
      (c) => [c.code, model.tokenize(c.code.slice(1))[0] as Token] as const,
    );
    const total = codeTokens.reduce((sum, [, token]) => sum + (probabilities.get(token) ?? 0), 0);
    const first = verdict.categories[0];
    expect(first?.probability).toBeDefined();
    const expected = probabilities.get(codeTokens.find(([code]) => code === first?.code)?.[1] as Token) ?? 0;
    expect(Math.abs((first?.probability as number) - expected / total)).toBeLessThan(1e-3);
    // The first code named is the most probable of the known codes.
    const best = Math.max(...codeTokens.map(([, token]) => probabilities.get(token) ?? 0));
    expect(expected).toBeCloseTo(best, 6);
  });
});
