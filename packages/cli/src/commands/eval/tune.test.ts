import { describe, expect, it } from 'vitest';
import type { EvalRowResult } from './eval-types.js';
import { flagAt, tuneThresholds } from './tune.js';

function row(label: boolean, p: number, named: string[]): EvalRowResult {
  return {
    file: 'd',
    line: 1,
    id: null,
    side: 0,
    label,
    categories: [],
    slices: {},
    unsafeProbability: p,
    named,
    flagged: p >= 0.5,
    durationMs: 1,
  };
}

// S6 rows are mostly safe below 0.9; S1 rows are unsafe from 0.3 up.
const rows = [
  row(true, 0.95, ['S6']),
  row(false, 0.8, ['S6']),
  row(false, 0.7, ['S6']),
  row(true, 0.6, ['S1']),
  row(true, 0.35, ['S1']),
  row(false, 0.2, ['S1']),
  row(false, 0.1, []),
  row(true, 0.9, ['S13']),
];
const inForce = new Set(['S1', 'S6']);

describe('tuneThresholds', () => {
  it('for best F1: gives S6 a higher and S1 a lower threshold than the default', () => {
    const tuned = tuneThresholds(rows, inForce, { kind: 'f1' });
    expect(tuned).not.toBeNull();
    // 3 of 4 unsafe rows caught (S13 is out of policy and never fires), no false positive.
    expect(tuned?.confusion).toEqual({ tp: 3, fp: 0, tn: 4, fn: 1 });
    expect(tuned?.rates.f1).toBeCloseTo(6 / 7, 12);
    const at = { threshold: tuned?.threshold ?? 0, thresholds: tuned?.thresholds ?? {} };
    expect(at.thresholds.S6).toBeGreaterThan(0.8);
    expect(Math.min(at.threshold, at.thresholds.S1 ?? 1)).toBeLessThanOrEqual(0.35);
    // The figures are those of the verdict rule at the chosen thresholds.
    expect(flagAt(rows, inForce, at).map((r) => r.flagged)).toEqual([
      true,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(tuned?.namedRows.S6).toBe(3);
  });

  it('for a target FPR: the most recall within it, or null when nothing meets it', () => {
    const tuned = tuneThresholds(rows, inForce, { kind: 'fpr', target: 0 });
    expect(tuned?.rates.fpr).toBe(0);
    expect(tuned?.rates.recall).toBe(0.75);
    const hopeless = [row(false, 0.9, []), row(true, 0.9, [])];
    expect(tuneThresholds(hopeless, inForce, { kind: 'fpr', target: 0 })).toBeNull();
  });
});
