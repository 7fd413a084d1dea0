// Classification metrics over labelled rows. Pure functions; "unsafe" is the positive class.
// A rate whose denominator is zero is `null` (undefined), never 0 or NaN.

/** One scored, labelled row: `label` true when the row is unsafe. */
export interface ScoredLabel {
  label: boolean;
  /** P(unsafe); `null` when the engine gave none (the row then has no place on the curves). */
  score: number | null;
}

export interface Confusion {
  /** Unsafe rows flagged. */
  tp: number;
  /** Safe rows flagged. */
  fp: number;
  /** Safe rows passed. */
  tn: number;
  /** Unsafe rows passed. */
  fn: number;
}

export interface Rates {
  /** tp / (tp + fp); `null` when nothing was flagged. */
  precision: number | null;
  /** tp / (tp + fn); `null` when no row is unsafe. */
  recall: number | null;
  /** 2PR / (P + R); 0 when both are 0; `null` when either is undefined. */
  f1: number | null;
  /** fp / (fp + tn); `null` when no row is safe. */
  fpr: number | null;
  /** (tp + tn) / all; `null` for no rows. */
  accuracy: number | null;
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

export function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, tn: 0, fn: 0 };
}

/** Counts one row into a confusion matrix. */
export function countInto(confusion: Confusion, label: boolean, flagged: boolean) {
  if (label) flagged ? confusion.tp++ : confusion.fn++;
  else flagged ? confusion.fp++ : confusion.tn++;
}

/** The confusion matrix of predictions against labels. */
export function confusionOf(rows: Iterable<{ label: boolean; flagged: boolean }>): Confusion {
  const confusion = emptyConfusion();
  for (const row of rows) countInto(confusion, row.label, row.flagged);
  return confusion;
}

/** Precision, recall, F1, false-positive rate and accuracy of a confusion matrix. */
export function ratesOf({ tp, fp, tn, fn }: Confusion): Rates {
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 =
    precision === null || recall === null
      ? null
      : precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, fpr: ratio(fp, fp + tn), accuracy: ratio(tp + tn, tp + fp + tn + fn) };
}

function scored(rows: readonly ScoredLabel[]) {
  return rows.filter((row): row is { label: boolean; score: number } => row.score !== null);
}

/** One operating point: flag rows whose score is at or above `threshold`. */
export interface OperatingPoint extends Rates {
  threshold: number;
  confusion: Confusion;
}

/**
 * Every distinct threshold, from the highest score down: the point at a score `t` flags rows
 * with score >= t (tied scores move together). Rows without a score are left out.
 */
export function operatingPoints(rows: readonly ScoredLabel[]): OperatingPoint[] {
  const sorted = scored(rows).sort((a, b) => b.score - a.score);
  const positives = sorted.filter((row) => row.label).length;
  const negatives = sorted.length - positives;
  const points: OperatingPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let index = 0; index < sorted.length; ) {
    const threshold = (sorted[index] as { score: number }).score;
    while (index < sorted.length && (sorted[index] as { score: number }).score === threshold) {
      if ((sorted[index] as { label: boolean }).label) tp++;
      else fp++;
      index++;
    }
    const confusion = { tp, fp, tn: negatives - fp, fn: positives - tp };
    points.push({ threshold, confusion, ...ratesOf(confusion) });
  }
  return points;
}

/**
 * ROC AUC: the probability that a random unsafe row scores above a random safe one, ties
 * counting one half (the Mann-Whitney U statistic; equals the trapezoid area under the ROC
 * curve). `null` unless both classes have a scored row.
 */
export function rocAuc(rows: readonly ScoredLabel[]): number | null {
  const points = operatingPoints(rows);
  const last = points.at(-1);
  if (!last) return null;
  const positives = last.confusion.tp;
  const negatives = last.confusion.fp;
  if (positives === 0 || negatives === 0) return null;
  let area = 0;
  let previous = { tp: 0, fp: 0 };
  for (const { confusion } of points) {
    area += ((confusion.fp - previous.fp) * (confusion.tp + previous.tp)) / 2;
    previous = confusion;
  }
  return area / (positives * negatives);
}

/**
 * PR AUC as average precision (scikit-learn's `average_precision_score`): the sum over distinct
 * thresholds, highest first, of (recall gained) x (precision there); no interpolation. `null`
 * when no scored row is unsafe.
 */
export function averagePrecision(rows: readonly ScoredLabel[]): number | null {
  const points = operatingPoints(rows);
  const positives = points.at(-1)?.confusion.tp ?? 0;
  if (positives === 0) return null;
  let area = 0;
  let previousRecall = 0;
  for (const point of points) {
    const recall = point.confusion.tp / positives;
    area += (recall - previousRecall) * (point.precision ?? 0);
    previousRecall = recall;
  }
  return area;
}

/** The threshold with the highest F1 (the highest such threshold on a tie); `null` without an unsafe row. */
export function bestF1(rows: readonly ScoredLabel[]): OperatingPoint | null {
  let best: OperatingPoint | null = null;
  for (const point of operatingPoints(rows)) {
    if (point.f1 === null) continue;
    if (best === null || point.f1 > (best.f1 ?? -1)) best = point;
  }
  return best;
}

/**
 * The lowest threshold whose false-positive rate is at most `target`: the most recall the target
 * allows. `null` when no threshold meets it (the highest score already flags too many safe
 * rows) or no row is safe.
 */
export function thresholdForFpr(rows: readonly ScoredLabel[], target: number): OperatingPoint | null {
  let chosen: OperatingPoint | null = null;
  for (const point of operatingPoints(rows)) {
    if (point.fpr === null) return null;
    if (point.fpr > target) break;
    chosen = point;
  }
  return chosen;
}

/** The nearest-rank percentile (`p` in 0..100) of `values`; `null` for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}
