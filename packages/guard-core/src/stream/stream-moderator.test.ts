import { describe, expect, it } from 'vitest';
import { VigilConfigError, VigilDisposedError } from '../errors.js';
import { createGuard } from '../guard.js';
import { createScriptedEngine, type ScriptedEngineOptions } from '../testing/scripted-engine.js';
import { createStreamModerator, type StreamModeratorOptions } from './stream-moderator.js';

async function setup(engineOptions: ScriptedEngineOptions = {}) {
  const engine = createScriptedEngine(engineOptions);
  const guard = await createGuard({ engine, verdictCacheSize: 0 });
  return { engine, guard };
}

const question = [{ role: 'user', content: 'Tell me about chemistry.' }];

async function run(pieces: string[], options: Omit<StreamModeratorOptions, 'guard'>, engine = {}) {
  const { guard, engine: scripted } = await setup(engine);
  const moderator = createStreamModerator({ guard, conversation: question, ...options });
  const released: string[] = [];
  for (const piece of pieces) {
    const step = await moderator.push(piece);
    released.push(step.release);
  }
  const summary = await moderator.end();
  released.push(summary.release);
  return { released, summary, calls: scripted.calls };
}

describe('createStreamModerator, buffer', () => {
  it('releases only checked text, at word boundaries', async () => {
    const { released, summary } = await run(['Water is ', 'wet. It boi', 'ls at 100 C'], {});
    expect(released).toEqual(['', 'Water is wet. It ', '', 'boils at 100 C']);
    expect(summary).toMatchObject({ blocked: false, checks: 2, releasedLength: 31 });
    expect(summary.verdict?.safe).toBe(true);
    expect(summary.verdict?.role).toBe('assistant');
  });

  it('catches a trigger word split across two pushes before any of it is released', async () => {
    const { released, summary } = await run(['Sure, here is how to b', 'omb a city. Step one'], {
      checkEvery: { tokens: 2 },
    });
    expect(released.join('')).toBe('Sure, here is how to ');
    expect(summary.blocked).toBe(true);
    expect(summary.verdict?.categories.map((category) => category.code)).toEqual(['S9']);
  });

  it('judges the answer as the assistant turn after the conversation', async () => {
    const { calls } = await run(['Fine.'], {});
    expect(calls).toHaveLength(1);
    expect(calls[0]?.segments.conversation).toMatch(/User: Tell me about chemistry\.\n\nAgent: Fine\.\n\n$/);
  });

  it('releases nothing after a cut, and the final check covers an unfinished word', async () => {
    const { released, summary } = await run(['All good here. Now bomb'], {});
    expect(released).toEqual(['All good here. Now ', '']);
    expect(summary.blocked).toBe(true);
    const after = await run(['x'], {});
    expect(after.released).toEqual(['', 'x']);
  });

  it('checks long text without spaces at a code point boundary', async () => {
    const { released } = await run(['😀'.repeat(20)], { checkEvery: { tokens: 1 } });
    expect(released[0]?.length).toBe(40);
  });

  it('cuts on a failed check by default and releases under failMode open', async () => {
    const closed = await run(['Hello there. '], {}, { fail: true });
    expect(closed.summary.blocked).toBe(true);
    expect(String(closed.summary.error)).toMatch(/failing as asked/);
    const open = await run(['Hello there. '], { failMode: 'open' }, { fail: true });
    expect(open.released.join('')).toBe('Hello there. ');
    expect(open.summary.blocked).toBe(false);
  });

  it('fails a check that exceeds timeoutMs', async () => {
    const { summary } = await run(['Hello there. '], { timeoutMs: 20 }, { hang: true });
    expect(summary.blocked).toBe(true);
    expect(String(summary.error)).toMatch(/expected a verdict within 20 ms/);
  });

  it('rejects after its signal aborts', async () => {
    const { guard } = await setup({ hang: true });
    const controller = new AbortController();
    const moderator = createStreamModerator({ guard, signal: controller.signal });
    const pending = moderator.push('Hello there. ');
    controller.abort();
    await expect(pending).rejects.toThrow(/aborted/);
    await expect(moderator.push('more')).rejects.toThrow(/aborted/);
  });

  it('does not check an empty answer', async () => {
    const { summary } = await run(['  '], {});
    expect(summary).toMatchObject({ checks: 0, blocked: false, verdict: undefined });
  });

  it('validates its options', async () => {
    const { guard } = await setup();
    expect(() =>
      createStreamModerator({ guard, checkEvery: { tokens: 0 } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: createStreamModerator options.checkEvery.tokens: Too small: expected number to be >=1]`,
    );
  });
});

describe('createStreamModerator, progressive', () => {
  it('releases at once and cuts when a check comes back unsafe', async () => {
    const { guard } = await setup({ delayMs: 20 });
    const moderator = createStreamModerator({ guard, strategy: 'progressive', conversation: question });
    expect((await moderator.push('Here is a bomb. ')).release).toBe('Here is a bomb. ');
    const cut = await moderator.cut;
    expect(cut.blocked).toBe(true);
    expect((await moderator.push('More text. ')).release).toBe('');
    const summary = await moderator.end();
    expect(summary).toMatchObject({ blocked: true, releasedLength: 16 });
  });

  it('runs one check at a time, each covering all the text so far', async () => {
    const { guard, engine } = await setup({ delayMs: 10 });
    const moderator = createStreamModerator({ guard, strategy: 'progressive' });
    for (const sentence of ['One. ', 'Two. ', 'Three. ', 'Four. ']) await moderator.push(sentence);
    const summary = await moderator.end();
    expect(summary.blocked).toBe(false);
    expect(summary.checks).toBeLessThan(4);
    expect(engine.calls.at(-1)?.segments.conversation).toContain('One. Two. Three. Four.');
  });
});

describe('createStreamModerator with a guard that ignores its signal', () => {
  it('still times out', async () => {
    const guard = { classify: () => new Promise<never>(() => {}) };
    const moderator = createStreamModerator({ guard, timeoutMs: 20 });
    await moderator.push('Hello there. ');
    const summary = await moderator.end();
    expect(summary.blocked).toBe(true);
    expect(String(summary.error)).toMatch(/within 20 ms/);
  });
});

describe('createStreamModerator, options and lifecycle', () => {
  it('validates classifyOptions when created, not at the first check', async () => {
    const guard = await createGuard({ engine: createScriptedEngine() });
    expect(() => createStreamModerator({ guard, classifyOptions: { categories: 'S1' } as never })).toThrow(
      new VigilConfigError(
        "createStreamModerator options.classifyOptions.categories: expected a list of category codes like ['S1'], received 'S1'",
      ),
    );
  });

  it('stops a pending check on dispose(); later calls reject with VigilDisposedError', async () => {
    const guard = await createGuard({ engine: createScriptedEngine({ hang: true }) });
    const moderator = createStreamModerator({ guard, checkEvery: { tokens: 1 } });
    const pending = moderator.push('Some words. ');
    await moderator.dispose();
    await expect(pending).rejects.toThrow(VigilDisposedError);
    await expect(moderator.push('more')).rejects.toThrow(
      new VigilDisposedError('stream moderator: the moderator was disposed'),
    );
    await expect(moderator.end()).rejects.toThrow(VigilDisposedError);
  });
});
