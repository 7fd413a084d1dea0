import { type Verdict, VigilAbortError, VigilContentFilterError, VigilEngineError } from '@vigil/guard-core';
import { describe, expect, it } from 'vitest';
import { contentFilterError, decide, decisionMetadata, failure, stops } from './decide.js';

const verdict = (safe: boolean): Verdict => ({
  safe,
  role: 'user',
  unsafeProbability: safe ? 0.02 : 0.97,
  categories: safe ? [] : [{ code: 'S9', name: 'Indiscriminate Weapons' }],
  ignoredCategories: [],
  raw: safe ? 'safe' : 'unsafe\nS9',
  usage: { promptTokens: 1, evaluatedTokens: 1, cachedTokens: 0 },
  durationMs: 1,
  cached: false,
});

const modes = ['block', 'annotate', 'shadow'] as const;

describe('decide (the HTTP middleware table)', () => {
  it('maps every outcome, mode and fail mode', () => {
    const table = modes.flatMap((mode) =>
      (['closed', 'open'] as const).map((failMode) => {
        const action = (outcome: Parameters<typeof decide>[0]['outcome']) =>
          decide({ role: 'user', outcome, mode, failMode, durationMs: 0 }).action;
        return [
          `${mode}/${failMode}`,
          action({ kind: 'verdict', verdict: verdict(true) }),
          action({ kind: 'verdict', verdict: verdict(false) }),
          action({ kind: 'failed', error: new Error('down') }),
          action({ kind: 'aborted', error: new Error('gone') }),
          action({ kind: 'nothing', reason: 'no text' }),
        ].join(' ');
      }),
    );
    expect(table).toMatchInlineSnapshot(`
      [
        "block/closed allow block fail-closed skip skip",
        "block/open allow block fail-open skip skip",
        "annotate/closed allow flag fail-open skip skip",
        "annotate/open allow flag fail-open skip skip",
        "shadow/closed allow flag fail-open skip skip",
        "shadow/open allow flag fail-open skip skip",
      ]
    `);
  });

  it('keeps the failure and its reason; stops only block and fail-closed', () => {
    const error = new VigilEngineError('guard check: expected a verdict within 5 ms, received none');
    const decision = decide({
      role: 'assistant',
      outcome: { kind: 'failed', error },
      mode: 'block',
      failMode: 'closed',
      durationMs: 5,
    });
    expect(decision).toMatchObject({
      role: 'assistant',
      action: 'fail-closed',
      error,
      reason: error.message,
    });
    expect(stops(decision)).toBe(true);
    expect(stops({ ...decision, action: 'fail-open' })).toBe(false);
    expect(stops({ ...decision, action: 'flag' })).toBe(false);
  });

  it('an abort is an abort whatever the error says', () => {
    const signal = AbortSignal.abort();
    expect(failure(new Error('x'), signal).kind).toBe('aborted');
    expect(failure(new VigilAbortError('classify: aborted'), undefined).kind).toBe('aborted');
    expect(failure(new Error('x'), undefined).kind).toBe('failed');
  });
});

describe('contentFilterError and decisionMetadata', () => {
  it('carries the verdict of a block, the cause of a fail-closed', () => {
    const blocked = decide({
      role: 'user',
      outcome: { kind: 'verdict', verdict: verdict(false) },
      mode: 'block',
      failMode: 'closed',
      durationMs: 3.4,
    });
    const error = contentFilterError(blocked);
    expect(VigilContentFilterError.isInstance(error)).toBe(true);
    expect(error.verdict?.raw).toBe('unsafe\nS9');
    expect(decisionMetadata(blocked)).toEqual({
      action: 'block',
      safe: false,
      categories: ['S9'],
      unsafeProbability: 0.97,
      durationMs: 3,
    });
    const cause = new Error('connection refused');
    const failed = decide({
      role: 'assistant',
      outcome: { kind: 'failed', error: cause },
      mode: 'block',
      failMode: 'closed',
      durationMs: 0,
    });
    const unavailable = contentFilterError(failed);
    expect(unavailable.verdict).toBeUndefined();
    expect(unavailable.cause).toBe(cause);
    expect(unavailable.message).toMatchInlineSnapshot(
      `"Content moderation is unavailable, so the response was refused: connection refused."`,
    );
    expect(decisionMetadata(failed)).toMatchObject({
      action: 'fail-closed',
      safe: null,
      reason: 'connection refused',
    });
  });
});
