import { describe, expect, it } from 'vitest';
import type { EvalRowResult } from './eval-types.js';
import { summarize } from './summarize.js';

function row(
  label: boolean,
  p: number | null,
  flagged: boolean,
  extra: Partial<EvalRowResult> = {},
): EvalRowResult {
  return {
    file: 'd.jsonl',
    line: 1,
    id: null,
    side: 0,
    label,
    categories: [],
    slices: {},
    unsafeProbability: p,
    named: [],
    flagged,
    durationMs: 10,
    ...extra,
  };
}

describe('summarize', () => {
  const rows = [
    row(true, 0.9, true, { slices: { type: 'a' }, categories: ['V'], named: ['S1'], durationMs: 5 }),
    row(true, 0.6, true, { slices: { type: 'a' }, categories: ['V', 'H'], named: ['S10'], durationMs: 15 }),
    row(true, 0.2, false, { slices: { type: 'b' }, categories: ['H'], durationMs: 25 }),
    row(false, 0.7, true, { slices: { type: 'b' }, named: ['S6'], durationMs: 35 }),
    row(false, 0.1, false, { slices: { type: 'b' }, durationMs: 45 }),
    row(false, null, false, { durationMs: 55 }),
  ];
  const summary = summarize(rows, {
    label: 'm',
    threshold: 0.5,
    thresholds: {},
    targetFpr: 0,
    categoryCodes: (category) => (category === 'V' ? ['S1'] : ['S10']),
    skips: [
      { file: 'd.jsonl', line: 9, kind: 'unlabelled', message: 'no label' },
      { file: 'd.jsonl', line: 10, kind: 'failed', message: 'too long' },
    ],
    wallMs: 2000,
  });

  it('counts overall figures, unscored rows and every skipped row', () => {
    expect(summary.overall).toMatchObject({
      rows: 6,
      unsafe: 3,
      confusion: { tp: 2, fp: 1, tn: 2, fn: 1 },
      precision: 2 / 3,
      recall: 2 / 3,
      unscored: 1,
    });
    // Scored: unsafe .9 .6 .2 vs safe .7 .1: .9 beats both, .6 and .2 beat .1: 4 of 6 pairs.
    expect(summary.overall.rocAuc).toBeCloseTo(4 / 6, 12);
    expect(summary.counts).toEqual({ read: 8, measured: 6, unlabelled: 1, invalid: 0, failed: 1 });
    expect(summary.targetFpr).toMatchObject({ target: 0, point: { threshold: 0.9 } });
  });

  it('slices by slice field and by category; all-one-class slices keep AUC null', () => {
    expect(Object.keys(summary.slices)).toEqual(['type', 'category']);
    expect(summary.slices.type?.a).toMatchObject({ rows: 2, unsafe: 2, recall: 1, fpr: null, rocAuc: null });
    expect(summary.slices.type?.b).toMatchObject({ rows: 3, confusion: { tp: 0, fp: 1, tn: 1, fn: 1 } });
    expect(summary.slices.category?.H).toMatchObject({ rows: 2, recall: 0.5 });
  });

  it('per category: recall and how often the model named a matching code', () => {
    expect(summary.categories).toEqual({
      H: { codes: ['S10'], rows: 2, flagged: 1, recall: 0.5, namedMatching: 1, matchRate: 1 },
      V: { codes: ['S1'], rows: 2, flagged: 2, recall: 1, namedMatching: 1, matchRate: 0.5 },
    });
  });

  it('latency percentiles and rate', () => {
    expect(summary.latency).toEqual({ p50: 25, p95: 55, p99: 55, perSecond: 3 });
  });

  it('an empty run gives null figures, not zeros', () => {
    const empty = summarize([], { label: 'm', threshold: 0.5, thresholds: {} });
    expect(empty.overall).toMatchObject({ rows: 0, precision: null, recall: null, f1: null, rocAuc: null });
    expect(empty.latency).toEqual({ p50: null, p95: null, p99: null, perSecond: null });
    expect(empty.bestF1).toBeNull();
  });
});
