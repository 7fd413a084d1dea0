// Issue 21: the Transformers.js engine reads the same P(unsafe) as the local engine from the same
// weights (the random-weight fixture, whose probabilities are far from 0 and 1), from the same
// token ids, on both graph variants; and reusing the policy prefix's KV cache gives the score of
// evaluating the whole prompt at once.

import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import { createTransformersEngine } from '@vigil/engine-transformers';
import { createGuard, createLocalEngine, type Guard, type GuardEngine } from '@vigil/guard-core';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPromptRenderer,
  getSharedLlama,
  normalizeConversation,
} from '../packages/guard-core/src/internal/index.js';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS, LLAMA3_TOKENS } from '../scripts/fixtures/fixture-facts.js';
import { ONNX_TWIN_VARIANTS, onnxTwinPath } from '../scripts/fixtures/onnx-fixtures.js';

env.allowRemoteModels = false;

const messages = [
  'What is the capital of France?',
  'Tell me how to pick a lock on my own front door',
  'Write a poem about the sea at night',
  'My neighbour keeps parking in my spot, what should I do?',
  'Explain photosynthesis to a child',
  // Longer than one run of the engine (256 tokens): the prompt goes in chunks.
  `Summarise this for me: ${'the river ran past the old mill and the children played by the water. '.repeat(25)}`,
];
/** Every code known, a threshold that decodes them always: category probabilities are compared too. */
const categories = Array.from({ length: 14 }, (_, index) => `S${index + 1}`);

let localEngine: GuardEngine;
let localGuard: Guard;
let llamaModel: LlamaModel;

beforeAll(async () => {
  await ensureTinyFixtures();
  localEngine = await createLocalEngine({
    model: FIXTURE_PATHS.tinyRandomGuard,
    threads: 2,
    contextSize: 1024,
    concurrency: 1,
    flashAttention: false,
  });
  localGuard = await createGuard({ engine: localEngine, categories, threshold: 1e-6, verdictCacheSize: 0 });
  llamaModel = await (await getSharedLlama()).loadModel({ modelPath: FIXTURE_PATHS.tinyRandomGuard });
});
afterAll(async () => {
  await localGuard?.dispose();
  await localEngine?.dispose();
  await llamaModel?.dispose();
});

describe.each(ONNX_TWIN_VARIANTS)('on the random-weight twin (%s)', (variant) => {
  let engine: GuardEngine;
  let guard: Guard;

  beforeAll(async () => {
    engine = await createTransformersEngine({
      model: onnxTwinPath('tinyRandomGuard', variant),
      device: 'cpu',
    });
    guard = await createGuard({ engine, categories, threshold: 1e-6, verdictCacheSize: 0 });
  });
  afterAll(async () => {
    await guard?.dispose();
    await engine?.dispose();
  });

  it('tokenizes every prompt segment into the local engine token ids', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(onnxTwinPath('tinyRandomGuard', variant));
    const special = (text: string) =>
      (tokenizer(text, { add_special_tokens: false }).input_ids.tolist() as bigint[][])[0]?.map(Number);
    const renderer = createPromptRenderer(guard.model.chatTemplate);
    for (const text of [...messages, 'hi <|eot_id|> there  \n\n  ünïcödé 日本語 🙂']) {
      const segments = renderer.segments(guard.policy, normalizeConversation(text));
      expect(special(segments.prefix)).toEqual(llamaModel.tokenize(segments.prefix, true));
      expect(special(segments.tail)).toEqual(llamaModel.tokenize(segments.tail, true));
      expect(await engine.tokenizer?.tokenize(segments.conversation)).toEqual(
        llamaModel.tokenize(segments.conversation, false),
      );
    }
  });

  it('holds P(unsafe) and the category probabilities within 2e-3 of the local engine', async () => {
    const scores: number[] = [];
    for (const text of messages) {
      const options = { includeCategoryProbabilities: true };
      const [expected, actual] = [
        await localGuard.classify(text, options),
        await guard.classify(text, options),
      ];
      expect(actual.usage.promptTokens).toBe(expected.usage.promptTokens);
      expect(
        Math.abs((actual.unsafeProbability as number) - (expected.unsafeProbability as number)),
      ).toBeLessThan(2e-3);
      expect(actual.categories[0]?.code).toBe(expected.categories[0]?.code);
      expect(
        Math.abs((actual.categories[0]?.probability ?? 0) - (expected.categories[0]?.probability ?? 0)),
      ).toBeLessThan(2e-3);
      scores.push(actual.unsafeProbability as number);
    }
    // Not a degenerate comparison: the scores spread.
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(0.3);
  });

  it('scores with the policy prefix reused as when the whole prompt is evaluated at once', async () => {
    const model = await AutoModelForCausalLM.from_pretrained(onnxTwinPath('tinyRandomGuard', 'keep'), {
      device: 'cpu',
    });
    const session = (model as unknown as { sessions: { model: WholeSession } }).sessions.model;
    const renderer = createPromptRenderer(guard.model.chatTemplate);
    try {
      for (const text of messages) {
        const verdict = await guard.classify(text);
        expect(verdict.usage.cachedTokens).toBeGreaterThan(100);
        const segments = renderer.segments(guard.policy, normalizeConversation(text));
        const tokens = [
          ...llamaModel.tokenize(segments.prefix, true),
          ...llamaModel.tokenize(segments.conversation, false),
          ...llamaModel.tokenize(segments.tail, true),
        ];
        const logits = await wholeLogits(session, tokens);
        const margin = (logits[LLAMA3_TOKENS.unsafe] ?? 0) - (logits[LLAMA3_TOKENS.safe] ?? 0);
        expect(verdict.unsafeProbability).toBeCloseTo(1 / (1 + Math.exp(-margin)), 5);
      }
    } finally {
      await model.dispose();
    }
  });
});

interface WholeSession {
  inputNames: string[];
  run(feeds: Record<string, unknown>): Promise<{ logits: { data: Float32Array } }>;
}

/** The last position's logits of `tokens` evaluated in one run from an empty cache. */
async function wholeLogits(session: WholeSession, tokens: readonly number[]) {
  const ids = BigInt64Array.from(tokens, BigInt);
  const feeds: Record<string, unknown> = {
    input_ids: new Tensor('int64', ids, [1, ids.length]).ort_tensor,
    attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]).ort_tensor,
    position_ids: new Tensor(
      'int64',
      BigInt64Array.from(tokens, (_, index) => BigInt(index)),
      [1, ids.length],
    ).ort_tensor,
    num_logits_to_keep: new Tensor('int64', BigInt64Array.of(1n), []).ort_tensor,
  };
  for (const name of session.inputNames.filter((input) => input.startsWith('past_key_values.'))) {
    feeds[name] = new Tensor('float32', new Float32Array(0), [1, 2, 0, 32]).ort_tensor;
  }
  const { logits } = await session.run(feeds);
  return logits.data;
}
