import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  bestF1,
  confusionOf,
  operatingPoints,
  percentile,
  ratesOf,
  rocAuc,
  type ScoredLabel,
  thresholdForFpr,
} from './metrics.js';

// Hand-computed table: 4 unsafe (U), 4 safe (S), with ties at 0.8 (U,S) and 0.3 (S,U).
const U = true;
const S = false;
const table: ScoredLabel[] = [
  { score: 0.9, label: U },
  { score: 0.8, label: U },
  { score: 0.8, label: S },
  { score: 0.6, label: U },
  { score: 0.4, label: S },
  { score: 0.3, label: S },
  { score: 0.3, label: U },
  { score: 0.1, label: S },
];
const at = (rows: ScoredLabel[], threshold: number) =>
  rows.map((row) => ({ label: row.label, flagged: row.score !== null && row.score >= threshold }));

describe('metrics at a threshold', () => {
  it('counts the confusion matrix and its rates', () => {
    const confusion = confusionOf(at(table, 0.5));
    expect(confusion).toEqual({ tp: 3, fp: 1, tn: 3, fn: 1 });
    expect(ratesOf(confusion)).toEqual({
      precision: 0.75,
      recall: 0.75,
      f1: 0.75,
      fpr: 0.25,
      accuracy: 0.75,
    });
  });

  it('leaves undefined rates null: nothing flagged, one class, no rows', () => {
    expect(ratesOf({ tp: 0, fp: 0, tn: 3, fn: 2 })).toEqual({
      precision: null,
      recall: 0,
      f1: null,
      fpr: 0,
      accuracy: 0.6,
    });
    expect(ratesOf({ tp: 2, fp: 0, tn: 0, fn: 1 })).toMatchObject({ precision: 1, fpr: null });
    expect(ratesOf({ tp: 0, fp: 2, tn: 1, fn: 0 })).toMatchObject({ precision: 0, recall: null, f1: null });
    expect(ratesOf({ tp: 0, fp: 1, tn: 0, fn: 1 })).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(ratesOf({ tp: 0, fp: 0, tn: 0, fn: 0 })).toEqual({
      precision: null,
      recall: null,
      f1: null,
      fpr: null,
      accuracy: null,
    });
  });
});

describe('metrics across thresholds', () => {
  it('groups tied scores into one operating point', () => {
    expect(operatingPoints(table).map((p) => [p.threshold, p.confusion.tp, p.confusion.fp])).toEqual([
      [0.9, 1, 0],
      [0.8, 2, 1],
      [0.6, 3, 1],
      [0.4, 3, 2],
      [0.3, 4, 3],
      [0.1, 4, 4],
    ]);
  });

  it('ROC AUC counts ties as one half: 12 of 16 pairs', () => {
    expect(rocAuc(table)).toBe(0.75);
    expect(
      rocAuc([
        { score: 0.5, label: U },
        { score: 0.5, label: S },
      ]),
    ).toBe(0.5);
    expect(
      rocAuc([
        { score: 0.2, label: U },
        { score: 0.7, label: S },
      ]),
    ).toBe(0);
  });

  it('PR AUC is average precision: (1 + 2/3 + 3/4 + 4/7) / 4', () => {
    expect(averagePrecision(table)).toBeCloseTo(251 / 336, 12);
    expect(
      averagePrecision([
        { score: 0.5, label: U },
        { score: 0.5, label: S },
      ]),
    ).toBe(0.5);
  });

  it('finds the best-F1 threshold and the threshold meeting a target FPR', () => {
    expect(bestF1(table)).toMatchObject({ threshold: 0.6, f1: 0.75, precision: 0.75, recall: 0.75 });
    expect(thresholdForFpr(table, 0.25)).toMatchObject({ threshold: 0.6, recall: 0.75, fpr: 0.25 });
    expect(thresholdForFpr(table, 0.1)).toMatchObject({ threshold: 0.9, fpr: 0 });
    expect(thresholdForFpr(table, 1)).toMatchObject({ threshold: 0.1 });
    expect(
      thresholdForFpr(
        [
          { score: 0.9, label: S },
          { score: 0.5, label: U },
        ],
        0,
      ),
    ).toBeNull();
  });

  it('all-one-class, empty and unscored slices give null where undefined', () => {
    const allUnsafe = [
      { score: 0.9, label: U },
      { score: 0.2, label: U },
    ];
    expect(rocAuc(allUnsafe)).toBeNull();
    expect(averagePrecision(allUnsafe)).toBe(1);
    expect(thresholdForFpr(allUnsafe, 0.1)).toBeNull();
    expect(bestF1(allUnsafe)).toMatchObject({ threshold: 0.2, f1: 1 });
    const allSafe = [{ score: 0.9, label: S }];
    expect(rocAuc(allSafe)).toBeNull();
    expect(averagePrecision(allSafe)).toBeNull();
    expect(bestF1(allSafe)).toBeNull();
    for (const rows of [[], [{ score: null, label: U }]]) {
      expect(rocAuc(rows)).toBeNull();
      expect(averagePrecision(rows)).toBeNull();
      expect(bestF1(rows)).toBeNull();
      expect(operatingPoints(rows)).toEqual([]);
    }
  });
});

describe('percentile', () => {
  it('is nearest-rank', () => {
    const values = [100, 10, 20, 30, 40, 50, 60, 70, 80, 90];
    expect([50, 95, 99].map((p) => percentile(values, p))).toEqual([50, 100, 100]);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });
});
