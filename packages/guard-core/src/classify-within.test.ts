import { describe, expect, it } from 'vitest';
import { classifyWithin } from './classify-within.js';
import { VigilAbortError, VigilEngineError } from './errors.js';
import { createGuard } from './guard.js';
import { createScriptedEngine } from './testing/scripted-engine.js';

describe('classifyWithin', () => {
  it('returns the verdict within the deadline', async () => {
    const guard = await createGuard({ engine: createScriptedEngine({ delayMs: 5 }) });
    expect((await classifyWithin(guard, 'a bomb', { timeoutMs: 5_000 })).safe).toBe(false);
  });

  it('turns a hung guard into a timeout error naming the check', async () => {
    const guard = await createGuard({ engine: createScriptedEngine({ hang: true }) });
    await expect(classifyWithin(guard, 'x', { timeoutMs: 20, label: 'stream check' })).rejects.toThrow(
      new VigilEngineError('stream check: expected a verdict within 20 ms, received none'),
    );
  });

  it("rejects with the caller's abort even when the guard ignores its signal", async () => {
    const ignoring = { classify: () => new Promise<never>(() => {}) };
    const controller = new AbortController();
    const pending = classifyWithin(ignoring, 'x', { signal: controller.signal, timeoutMs: 10_000 });
    controller.abort(new VigilAbortError('client went away'));
    await expect(pending).rejects.toThrow('client went away');
  });
});
