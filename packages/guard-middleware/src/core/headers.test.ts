import type { Verdict } from '@vigil/guard-core';
import { describe, expect, it } from 'vitest';
import type { VigilDecision } from './decision.js';
import { unreadResponseHeaders, verdictHeaders } from './headers.js';

const decision = (verdict: Partial<Verdict> | undefined, action: VigilDecision['action']): VigilDecision => ({
  role: 'user',
  action,
  verdict: verdict as Verdict | undefined,
  error: undefined,
  durationMs: 1,
});

describe('verdictHeaders', () => {
  it('combines request and response verdicts, the worst wins', () => {
    const safe = decision({ safe: true, categories: [], unsafeProbability: 0.01 }, 'allow');
    const unsafe = decision(
      { safe: false, categories: [{ code: 'S9', name: 'x' }], unsafeProbability: 0.9712 },
      'flag',
    );
    expect(verdictHeaders([safe, unsafe])).toEqual({
      'x-vigil-verdict': 'unsafe',
      'x-vigil-categories': 'S9',
      'x-vigil-score': '0.971',
    });
    expect(verdictHeaders([safe, decision(undefined, 'fail-open')])).toMatchObject({
      'x-vigil-verdict': 'error',
    });
    expect(verdictHeaders([decision(undefined, 'skip')])).toEqual({});
  });
});

describe('unreadResponseHeaders', () => {
  it('marks the answer unchecked and never claims it safe', () => {
    expect(
      unreadResponseHeaders({ 'x-vigil-verdict': 'safe', 'x-vigil-categories': '', 'x-vigil-score': '0.02' }),
    ).toEqual({ 'x-vigil-request-verdict': 'safe', 'x-vigil-unchecked': 'response' });
    expect(
      unreadResponseHeaders({
        'x-vigil-verdict': 'unsafe',
        'x-vigil-categories': 'S9',
        'x-vigil-unchecked': 'request',
      }),
    ).toEqual({
      'x-vigil-verdict': 'unsafe',
      'x-vigil-request-verdict': 'unsafe',
      'x-vigil-categories': 'S9',
      'x-vigil-unchecked': 'request,response',
    });
  });
});
