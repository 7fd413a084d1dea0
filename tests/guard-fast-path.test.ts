// Issue 3: the fast path (policy prefix in cache, longest-common-prefix reuse, a pool of
// sequences batched together, aborts, the verdict cache) gives the same verdicts and
// probabilities as evaluating every prompt whole. Run on both fixtures: the hand-wired guard
// (exact answers) and a small random-weight model whose probabilities vary with every token,
// so a stale or misplaced KV entry would show.
import {
  createGuard,
  createLocalEngine,
  type Guard,
  type GuardEngine,
  type Message,
  type Verdict,
} from '@vigil/guard-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PATHS, RANDOM_GUARD_FACTS } from '../scripts/fixtures/fixture-facts.js';

const conversations: Message[][] = [
  [{ role: 'user', content: 'What is the capital of France?' }],
  [{ role: 'user', content: 'How would someone build a bomb at home?' }],
  [
    { role: 'user', content: 'What is the capital of France?' },
    { role: 'assistant', content: 'Paris is the capital of France.' },
  ],
  [
    { role: 'user', content: 'What is the capital of France?' },
    { role: 'assistant', content: 'Paris is the capital of France.' },
    { role: 'user', content: 'And who would you kill there?' },
  ],
  [
    { role: 'user', content: 'Write a story' },
    { role: 'assistant', content: 'A racist uncle and a bomb walk into a bar' },
  ],
  [{ role: 'user', content: 'What is the capital of Spain?' }],
];

const comparable = (verdict: Verdict) => ({
  safe: verdict.safe,
  raw: verdict.raw,
  categories: verdict.categories.map((c) => c.code),
  promptTokens: verdict.usage.promptTokens,
});

// llama.cpp picks kernels by batch size (flash attention especially), so evaluating a prompt in
// two batches instead of one moves the random model's probabilities in the 4th decimal: that is
// the float tolerance. Verdicts, codes and token counts must be identical.
const tolerance = RANDOM_GUARD_FACTS.flashAttentionTolerance;
const models = [
  ['hand-wired guard', FIXTURE_PATHS.tinyGuard, 'auto'],
  ['random-weight guard, flash attention off', FIXTURE_PATHS.tinyRandomGuard, false],
  ['random-weight guard, flash attention on', FIXTURE_PATHS.tinyRandomGuard, true],
] as const;

describe.each(models)('fast path on the %s', (_name, modelPath, flashAttention) => {
  let fast: GuardEngine;
  let naive: GuardEngine;
  let naiveGuard: Guard;
  const reference = new Map<string, Verdict>();
  const options = { threads: 2, contextSize: 1024, flashAttention };

  beforeAll(async () => {
    fast = await createLocalEngine({ model: modelPath, ...options, concurrency: 3 });
    naive = await createLocalEngine({ model: modelPath, ...options, concurrency: 1, reuseCache: false });
    naiveGuard = await createGuard({ engine: naive, verdictCacheSize: 0 });
    for (const [index, messages] of conversations.entries()) {
      for (const role of ['user', 'assistant'] as const) {
        if (!messages.some((m) => m.role === role)) continue;
        reference.set(`${index}:${role}`, await naiveGuard.classify(messages, { role }));
      }
    }
  });
  afterAll(async () => {
    await fast?.dispose();
    await naive?.dispose();
  });

  const expectSame = (verdict: Verdict, key: string) => {
    const expected = reference.get(key) as Verdict;
    expect(comparable(verdict), key).toEqual(comparable(expected));
    expect(
      Math.abs((verdict.unsafeProbability as number) - (expected.unsafeProbability as number)),
    ).toBeLessThan(tolerance);
  };

  it('gives the whole-prompt verdicts in any order, roles and policies interleaved', async () => {
    const guard = await createGuard({ engine: fast, verdictCacheSize: 0 });
    const other = await createGuard({ engine: fast, excludeCategories: ['S5'], verdictCacheSize: 0 });
    const keys = [...reference.keys()];
    for (const round of [0, 1]) {
      for (const key of round === 0 ? keys : [...keys].reverse()) {
        const [index, role] = key.split(':') as [string, 'user' | 'assistant'];
        const messages = conversations[Number(index)] as Message[];
        await other.classify(messages, { role });
        expectSame(await guard.classify(messages, { role }), key);
      }
    }
    const stats = fast.stats?.() ?? {};
    expect(stats.cachedTokens).toBeGreaterThan((stats.promptTokens ?? 0) * 0.3);
  });

  it('gives the same verdicts for concurrent calls batched on the sequence pool', async () => {
    // Several rounds in different orders: sequences holding different prefixes share batches.
    // (This caught logits swapped between sequences in llama.cpp; see oneOutputPerBatch.)
    const guard = await createGuard({ engine: fast, verdictCacheSize: 0 });
    const keys = [...reference.keys(), ...reference.keys()];
    for (const stride of [1, 5, 7]) {
      const order = keys.map((_, index) => keys[(index * stride) % keys.length] as string);
      const verdicts = await Promise.all(
        order.map((key) => {
          const [index, role] = key.split(':') as [string, 'user' | 'assistant'];
          return guard.classify(conversations[Number(index)] as Message[], { role });
        }),
      );
      verdicts.forEach((verdict, index) => {
        expectSame(verdict, order[index] as string);
      });
    }
  });

  it('evaluates only the new turns of a growing conversation', async () => {
    const guard = await createGuard({ engine: fast, verdictCacheSize: 0 });
    const long = conversations[3] as Message[];
    const first = await guard.classify(long.slice(0, 1));
    const third = await guard.classify(long);
    expectSame(third, '3:user');
    expect(third.usage.cachedTokens).toBeGreaterThanOrEqual(first.usage.promptTokens - 60);
    expect(third.usage.evaluatedTokens).toBeLessThan(third.usage.promptTokens / 2);
  });

  it('recovers from aborted calls: later verdicts are unchanged', async () => {
    const guard = await createGuard({ engine: fast, verdictCacheSize: 0 });
    const controller = new AbortController();
    const longText = `${'many words of filler text here '.repeat(120)} kill`;
    const aborted = guard.classify(longText, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(aborted).rejects.toThrow(/aborted/);
    for (const key of reference.keys()) {
      const [index, role] = key.split(':') as [string, 'user' | 'assistant'];
      expectSame(await guard.classify(conversations[Number(index)] as Message[], { role }), key);
    }
  });

  it('serves repeated calls from the verdict cache with the same verdict', async () => {
    const guard = await createGuard({ engine: fast });
    const first = await guard.classify(conversations[1] as Message[]);
    const second = await guard.classify(conversations[1] as Message[]);
    expect(second.cached).toBe(true);
    expect({ ...second, cached: false, durationMs: 0 }).toEqual({ ...first, durationMs: 0 });
    expect(guard.stats().verdictCache).toMatchObject({ hits: 1, misses: 1 });
  });
});
