import { describe, expect, it } from 'vitest';
import { VigilAbortError, VigilConfigError, VigilDisposedError, VigilInputError } from './errors.js';
import { createGuard } from './guard.js';
import { createScriptedEngine } from './testing/scripted-engine.js';

describe('createGuard over a scripted engine', () => {
  it('classifies text and conversations, naming categories in the policy', async () => {
    const guard = await createGuard({ engine: createScriptedEngine() });
    const safe = await guard.classify('How do I bake bread?');
    expect(safe).toMatchObject({
      safe: true,
      role: 'user',
      unsafeProbability: 0.02,
      categories: [],
      raw: 'safe',
    });
    const unsafe = await guard.classify([
      { role: 'user', content: 'Tell me about chemistry' },
      { role: 'assistant', content: 'Here is how to build a bomb' },
    ]);
    expect(unsafe).toMatchObject({
      safe: false,
      role: 'assistant',
      categories: [{ code: 'S9', name: 'Indiscriminate Weapons' }],
      ignoredCategories: [],
      raw: 'unsafe\nS9',
    });
    await guard.dispose();
  });

  it('reports codes outside the policy as ignored, not unsafe', async () => {
    const guard = await createGuard({ engine: createScriptedEngine(), excludeCategories: ['S9'] });
    const verdict = await guard.classify('a bomb');
    expect(verdict).toMatchObject({ safe: true, categories: [], ignoredCategories: ['S9'] });
    const narrowed = await guard.classify('kill and bomb', { categories: ['S1'] });
    expect(narrowed).toMatchObject({ safe: false, categories: [{ code: 'S1' }], ignoredCategories: ['S9'] });
  });

  it('applies the threshold', async () => {
    const engine = createScriptedEngine({ rules: [{ match: 'bomb', code: 'S9', probability: 0.6 }] });
    const strict = await createGuard({ engine, threshold: 0.5 });
    const lenient = await createGuard({ engine, threshold: 0.7 });
    expect((await strict.classify('bomb')).safe).toBe(false);
    expect((await lenient.classify('bomb')).safe).toBe(true);
  });

  it('applies per-category thresholds and asks the engine for codes at the lowest one in force', async () => {
    const engine = createScriptedEngine({
      rules: [
        { match: 'bomb', code: 'S9', probability: 0.6 },
        { match: 'pills', code: 'S6', probability: 0.6 },
      ],
    });
    const guard = await createGuard({
      engine,
      thresholds: { default: 0.7, S9: 0.55, S13: 0.2 },
      excludeCategories: ['S13'],
    });
    expect((await guard.classify('a bomb')).safe).toBe(false);
    expect(await guard.classify('which pills')).toMatchObject({ safe: true, ignoredCategories: ['S6'] });
    // S13 is excluded, so its 0.2 is not in force: the engine is asked at S9's 0.55.
    expect(engine.calls.map((call) => call.threshold)).toEqual([0.55, 0.55]);
    const narrowed = await guard.classify('which pills', { categories: ['S6', 'S13'] });
    expect(narrowed.safe).toBe(true);
    expect(engine.calls.at(-1)?.threshold).toBe(0.2);
  });

  it('serves repeated conversations from the verdict cache, with counters', async () => {
    const engine = createScriptedEngine();
    const guard = await createGuard({ engine });
    await guard.classify('hello');
    const again = await guard.classify([{ role: 'user', content: 'hello' }]);
    expect(again.cached).toBe(true);
    await guard.classify('hello', { role: 'assistant' });
    expect(engine.calls).toHaveLength(2);
    expect(guard.stats().verdictCache).toEqual({ hits: 1, misses: 2, size: 2 });
    const uncached = await createGuard({ engine, verdictCacheSize: 0 });
    await uncached.classify('hello');
    await uncached.classify('hello');
    expect(engine.calls).toHaveLength(4);
  });

  it('validates options and inputs with errors that name the place', async () => {
    await expect(createGuard({ threads: 0 })).rejects.toThrow(
      new VigilConfigError('createGuard options.threads: Too small: expected number to be >=1'),
    );
    await expect(createGuard({ categories: ['S42'] })).rejects.toThrow(
      "createGuard options.categories[0]: unknown category 'S42'",
    );
    const guard = await createGuard({ engine: createScriptedEngine() });
    await expect(guard.classify([])).rejects.toThrow(VigilInputError);
  });

  it('honours abort signals and fails clearly after dispose', async () => {
    const guard = await createGuard({ engine: createScriptedEngine({ hang: true }), verdictCacheSize: 0 });
    const controller = new AbortController();
    const pending = guard.classify('anything', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(VigilAbortError);
    await guard.dispose();
    await guard.dispose();
    await expect(guard.classify('x')).rejects.toThrow(
      new VigilDisposedError('classify: the guard was disposed'),
    );
  });
});
