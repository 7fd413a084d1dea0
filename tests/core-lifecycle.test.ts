// Issue 10 item 8 and issue 11 item 12: one lifecycle. Every public method of a disposed guard,
// stream moderator, generator (and the scripted engine) throws VigilDisposedError, and calls racing
// a dispose() reject with it: the runtime's own "Object is disposed" never escapes. Run on the
// hand-wired fixtures through node-llama-cpp, and on the scripted engine and backend.

import { createGenerator } from '@vigil/generator';
import {
  createGuard,
  createLocalEngine,
  createRemoteEngine,
  createStreamModerator,
  type Guard,
  type GuardEngine,
  VigilDisposedError,
} from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { describe, expect, it } from 'vitest';
import { createGuardedChat, defaultRefusal } from '../packages/generator/src/guarded-chat.js';
import { createScriptedBackend } from '../packages/generator/src/scripted-backend.fixture.js';
import { getSharedLlama } from '../packages/guard-core/src/internal/index.js';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS, GENERATOR_SWITCH_WORDS } from '../scripts/fixtures/fixture-facts.js';
import { startCompletionsServer } from './support/completions-server.js';

const messages = [{ role: 'user' as const, content: 'Hello there' }];
/** Arguments for the methods that need some; every other method is called without. */
const argumentsOf: Record<string, unknown[]> = {
  classify: ['Hello there'],
  push: ['more text'],
  chat: [messages],
  stream: [messages],
  score: [
    {
      segments: { prefix: 'a', conversation: 'User: b\n\n', tail: 'c' },
      knownCodes: [],
      threshold: 0.5,
      includeCategoryProbabilities: false,
    },
  ],
};
const lifecycle = new Set(['dispose', 'constructor']);

/** Calls every public method of `target` (own and inherited, symbols by description) and returns their names. */
async function expectEveryMethodDisposed(target: object) {
  const names: string[] = [];
  for (const key of Reflect.ownKeys(target)) {
    const name = typeof key === 'symbol' ? (key.description ?? '').replace(/^Symbol\./, '') : key;
    const value = (target as Record<PropertyKey, unknown>)[key];
    if (typeof value !== 'function' || lifecycle.has(name) || key === Symbol.asyncDispose) continue;
    names.push(name);
    const call = async () => {
      const result = (value as (...args: unknown[]) => unknown).apply(target, argumentsOf[name] ?? []);
      if (result && typeof (result as AsyncGenerator).next === 'function')
        return (result as AsyncGenerator).next();
      return result;
    };
    await expect(call(), `${name}()`).rejects.toSatisfy(
      (error) => VigilDisposedError.isInstance(error),
      `${name}() after dispose`,
    );
  }
  return names;
}

describe('one lifecycle: scripted engine and backend', () => {
  it('walks every method of a disposed guard, moderator, generator and engine', async () => {
    const engine = createScriptedEngine();
    const guard = await createGuard({ engine });
    const moderator = createStreamModerator({ guard, conversation: messages });
    const generator = createGuardedChat({
      backend: createScriptedBackend(),
      guard,
      mode: 'block',
      refusal: defaultRefusal,
      checkEvery: undefined,
      onVerdict: undefined,
      maxQueue: 4,
      defaults: { maxTokens: 10, temperature: 0, topP: 1 },
    });
    await moderator.dispose();
    await generator.dispose();
    await generator[Symbol.asyncDispose]();
    await guard.dispose();
    await engine[Symbol.asyncDispose]();
    expect(await expectEveryMethodDisposed(moderator)).toEqual(['push', 'end']);
    expect(await expectEveryMethodDisposed(generator)).toEqual(
      expect.arrayContaining(['chat', 'stream', 'memory', 'stats']),
    );
    expect(await expectEveryMethodDisposed(guard)).toEqual(expect.arrayContaining(['classify', 'stats']));
    expect(await expectEveryMethodDisposed(engine)).toEqual(['score']);
  });

  it('a moderator over a disposed guard rejects instead of failing open or closed', async () => {
    for (const failMode of ['open', 'closed'] as const) {
      const guard = await createGuard({ engine: createScriptedEngine() });
      const moderator = createStreamModerator({ guard, failMode, checkEvery: { tokens: 1 } });
      await moderator.push('Safe words. ');
      await guard.dispose();
      await expect(moderator.push('More words. ')).rejects.toThrow(VigilDisposedError);
      await expect(moderator.end()).rejects.toThrow(VigilDisposedError);
    }
  });
});

describe('one lifecycle: on the hand-wired fixtures', () => {
  it('rejects classifications in flight and queued with VigilDisposedError', async () => {
    await ensureTinyFixtures();
    const guard: Guard = await createGuard({
      model: FIXTURE_PATHS.tinyGuard,
      threads: 2,
      contextSize: 1024,
      concurrency: 1,
      verdictCacheSize: 0,
    });
    const calls = Array.from({ length: 4 }, (_, index) =>
      guard.classify(`message number ${index} `.repeat(40)),
    );
    const settledEarly = new Set<number>();
    calls.forEach((call, index) => {
      call.then(
        () => settledEarly.add(index),
        () => {},
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A call that finished before dispose() may keep its verdict; every other one must reject.
    const before = new Set(settledEarly);
    await guard.dispose();
    const outcomes = await Promise.allSettled(calls);
    expect(before.size).toBeLessThan(calls.length);
    outcomes.forEach((outcome, index) => {
      if (before.has(index)) return;
      if (outcome.status === 'fulfilled') throw new Error(`call ${index} racing dispose() resolved`);
      expect(VigilDisposedError.isInstance(outcome.reason), String(outcome.reason)).toBe(true);
    });
    await expectEveryMethodDisposed(guard);
  });

  it('gives both built-in engines the contract: asyncDispose, then VigilDisposedError (issue 20)', async () => {
    const local = await createLocalEngine({ model: FIXTURE_PATHS.tinyGuard, threads: 2, contextSize: 1024 });
    const model = await (await getSharedLlama()).loadModel({ modelPath: FIXTURE_PATHS.tinyGuard });
    const server = await startCompletionsServer({ model, style: 'llama-server', threads: 2 });
    const remote = await createRemoteEngine({ baseURL: `${server.url}/v1`, model: 'fixture' });
    for (const engine of [local, remote] as GuardEngine[]) {
      expect(typeof engine[Symbol.asyncDispose]).toBe('function');
      await engine[Symbol.asyncDispose]?.();
      await engine.dispose(); // idempotent
      await expect(engine.score(argumentsOf.score?.[0] as never)).rejects.toSatisfy((error) =>
        VigilDisposedError.isInstance(error),
      );
    }
    await expect(
      local.verdictMass?.({ prefix: 'a', conversation: 'User: b\n\n', tail: 'c' }),
    ).rejects.toSatisfy((error) => VigilDisposedError.isInstance(error));
    await server.close();
    await model.dispose();
  });

  it('rejects a chat in flight with VigilDisposedError when the generator is disposed', async () => {
    const guard = await createGuard({ model: FIXTURE_PATHS.tinyGuard, threads: 2, contextSize: 1024 });
    const generator = await createGenerator({
      guard,
      model: FIXTURE_PATHS.tinyGenerator,
      threads: 2,
      contextSize: 1024,
    });
    const pieces = generator.stream(
      [{ role: 'user', content: `Tell me a${GENERATOR_SWITCH_WORDS[0]?.text}` }],
      {
        temperature: 0,
      },
    );
    const first = await pieces.next();
    expect(first.done).toBe(false);
    const disposing = generator.dispose();
    await expect(
      (async () => {
        for await (const _ of pieces) {
          // drain
        }
      })(),
    ).rejects.toSatisfy((error) => VigilDisposedError.isInstance(error));
    await disposing;
    await expectEveryMethodDisposed(generator);
    await guard.dispose();
  });
});
