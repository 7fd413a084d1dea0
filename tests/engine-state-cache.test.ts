// Issue 13: the conversation-state cache. More live conversations than sequences, checked in
// round-robin order, give the verdicts and probabilities of evaluating every prompt whole
// (within the flash-attention tolerance: a restored prompt is evaluated in two pieces), also
// after eviction and for conversations that diverge from a cached state; files are removed.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  createGuard,
  createLocalEngine,
  type Guard,
  type GuardEngine,
  type Message,
} from '@vigil/guard-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateBaseDirectory } from '../packages/guard-core/src/engine/local/state-directory.js';
import { textOfTokens } from '../scripts/bench/workload.js';
import { FIXTURE_PATHS, RANDOM_GUARD_FACTS } from '../scripts/fixtures/fixture-facts.js';

const options = { model: FIXTURE_PATHS.tinyRandomGuard, threads: 2, contextSize: 1024, concurrency: 1 };
const turn = (conversation: number, index: number): Message => ({
  role: index % 2 === 0 ? 'user' : 'assistant',
  content: textOfTokens(50, 100 * conversation + index),
});
const conversation = (id: number, turns: number) =>
  Array.from({ length: turns }, (_, index) => turn(id, index));

let whole: Guard;
const engines: GuardEngine[] = [];
const reference = new Map<string, Awaited<ReturnType<Guard['classify']>>>();

async function expectWhole(guard: Guard, messages: Message[]) {
  const key = JSON.stringify(messages);
  if (!reference.has(key)) reference.set(key, await whole.classify(messages));
  const expected = reference.get(key);
  const verdict = await guard.classify(messages);
  expect({ safe: verdict.safe, raw: verdict.raw, promptTokens: verdict.usage.promptTokens }).toEqual({
    safe: expected?.safe,
    raw: expected?.raw,
    promptTokens: expected?.usage.promptTokens,
  });
  expect(Math.abs((verdict.unsafeProbability ?? 0) - (expected?.unsafeProbability ?? 0))).toBeLessThan(
    RANDOM_GUARD_FACTS.flashAttentionTolerance,
  );
  return verdict;
}

async function cachedEngine(stateCacheBytes?: number) {
  const engine = await createLocalEngine({ ...options, stateCacheBytes });
  engines.push(engine);
  return { engine, guard: await createGuard({ engine, verdictCacheSize: 0, threshold: 0.5 }) };
}

beforeAll(async () => {
  const engine = await createLocalEngine({ ...options, reuseCache: false, stateCacheBytes: 0 });
  engines.push(engine);
  whole = await createGuard({ engine, verdictCacheSize: 0, threshold: 0.5 });
});
afterAll(async () => {
  for (const engine of engines) await engine.dispose();
});

describe('conversation-state cache', () => {
  it('restores each conversation in a round robin wider than the pool and evaluates only its new turns', async () => {
    const { engine, guard } = await cachedEngine();
    const promptTokens = new Map<string, number>();
    for (let index = 0; index < 4; index++) {
      for (let id = 1; id <= 3; id++) {
        const verdict = await expectWhole(guard, conversation(id, index + 1));
        promptTokens.set(`${id}:${index}`, verdict.usage.promptTokens);
        // Roles alternate: the check two turns back (same role, same policy prefix) was saved;
        // only the turns since and the fixed tail (about 60 tokens) are evaluated.
        const sameRole = promptTokens.get(`${id}:${index - 2}`);
        if (sameRole) expect(verdict.usage.cachedTokens).toBeGreaterThan(sameRole - 70);
      }
    }
    const stats = engine.stats?.() ?? {};
    expect(stats.stateRestores).toBeGreaterThanOrEqual(6);
    expect(stats.stateSaveFailures).toBe(0);
    expect(engine.memory?.().stateCache).toBeGreaterThan(0);
  });

  it('gives whole-prompt verdicts after eviction and for conversations that diverge from a cached state', async () => {
    const probe = await cachedEngine(0);
    const bytesPerToken = probe.engine.memory?.().kvBytesPerToken ?? 0;
    // Room for about two states of ~400 tokens: a third conversation evicts the oldest.
    const { engine, guard } = await cachedEngine(bytesPerToken * 900);
    for (let id = 1; id <= 3; id++) await expectWhole(guard, conversation(id, 3));
    for (let id = 1; id <= 3; id++) await expectWhole(guard, conversation(id, 4));
    // (Saves finish after the verdict: read the count once later calls have waited for them.)
    expect(engine.stats?.().stateEvictions).toBeGreaterThan(0);
    // Diverging: the same first turn, another second one; and a second turn cut short.
    const base = conversation(2, 4);
    await expectWhole(guard, [base[0] as Message, { role: 'assistant', content: textOfTokens(60, 999) }]);
    const cut = { role: 'assistant', content: String(base[1]?.content).slice(0, 90) } as Message;
    await expectWhole(guard, [base[0] as Message, cut, base[2] as Message]);
    expect(engine.stats?.().stateRestores).toBeGreaterThan(0);
  });

  it('removes its files on dispose', async () => {
    const { engine, guard } = await cachedEngine();
    await guard.classify(conversation(1, 3));
    await guard.classify(conversation(2, 3));
    const base = path.join(stateBaseDirectory(), `vigil-${process.getuid?.() ?? 'user'}`);
    const directories = readdirSync(base).filter((name) => name.startsWith(`${process.pid}-`));
    expect(directories.length).toBeGreaterThan(0);
    for (const other of engines.filter((e) => e !== engine)) await other.dispose();
    await engine.dispose();
    for (const name of directories) expect(existsSync(path.join(base, name))).toBe(false);
  });
});
