import type { CategoryMetrics, EvalRowResult, EvalSkip, EvalSummary, SliceMetrics } from './eval-types.js';
import {
  averagePrecision,
  bestF1,
  confusionOf,
  percentile,
  ratesOf,
  rocAuc,
  type ScoredLabel,
  thresholdForFpr,
} from './metrics.js';

export interface SummarizeOptions {
  /** What was evaluated (shown in reports). */
  label: string;
  threshold: number;
  thresholds: Record<string, number>;
  /** Report the threshold meeting this false-positive rate. Defaults to none. */
  targetFpr?: number | undefined;
  /** The S-codes a dataset category maps to. Defaults to none for every category. */
  categoryCodes?: ((category: string) => readonly string[]) | undefined;
  skips?: readonly EvalSkip[] | undefined;
  /** Wall time of the classifications, for the rate. Defaults to unknown. */
  wallMs?: number | undefined;
  interrupted?: boolean | undefined;
}

const scoredOf = (rows: readonly EvalRowResult[]): ScoredLabel[] =>
  rows.map((row) => ({ label: row.label, score: row.unsafeProbability }));

/** The figures of a set of rows at their verdicts, and across thresholds from their scores. */
export function sliceMetrics(rows: readonly EvalRowResult[]): SliceMetrics {
  const confusion = confusionOf(rows);
  const scored = scoredOf(rows);
  return {
    rows: rows.length,
    unsafe: rows.filter((row) => row.label).length,
    confusion,
    ...ratesOf(confusion),
    rocAuc: rocAuc(scored),
    prAuc: averagePrecision(scored),
    unscored: rows.filter((row) => row.unsafeProbability === null).length,
  };
}

function groupBy(rows: readonly EvalRowResult[], keys: (row: EvalRowResult) => readonly string[]) {
  const groups = new Map<string, EvalRowResult[]>();
  for (const row of rows) {
    for (const key of keys(row)) {
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Summarizes per-row results: overall and per-slice figures, per-category recall, latency, and
 * the rows that were not measured. Everything but the rate comes from the rows alone, so a
 * `--per-row` file reproduces the summary.
 * @example
 * const summary = summarize(results, { label: 'model.gguf', threshold: 0.5, thresholds: {} });
 */
export function summarize(rows: readonly EvalRowResult[], options: SummarizeOptions): EvalSummary {
  const scored = scoredOf(rows);
  const sliceNames = [...new Set(rows.flatMap((row) => Object.keys(row.slices)))].sort();
  const slices: EvalSummary['slices'] = {};
  for (const name of sliceNames) {
    const values = groupBy(rows, (row) => (row.slices[name] === undefined ? [] : [row.slices[name]]));
    slices[name] = Object.fromEntries(values.map(([value, group]) => [value, sliceMetrics(group)]));
  }
  if (rows.some((row) => row.categories.length > 0)) {
    const byCategory = groupBy(rows, (row) => row.categories);
    slices.category = Object.fromEntries(byCategory.map(([value, group]) => [value, sliceMetrics(group)]));
  }
  const categories: Record<string, CategoryMetrics> = {};
  for (const [category, group] of groupBy(
    rows.filter((row) => row.label),
    (row) => row.categories,
  )) {
    const codes = [...(options.categoryCodes?.(category) ?? [])];
    const flagged = group.filter((row) => row.flagged);
    const namedMatching = flagged.filter((row) => row.named.some((code) => codes.includes(code))).length;
    categories[category] = {
      codes,
      rows: group.length,
      flagged: flagged.length,
      recall: group.length === 0 ? null : flagged.length / group.length,
      namedMatching,
      matchRate: flagged.length === 0 ? null : namedMatching / flagged.length,
    };
  }
  const durations = rows.map((row) => row.durationMs);
  const skips = options.skips ?? [];
  const count = (kind: EvalSkip['kind']) => skips.filter((skip) => skip.kind === kind).length;
  const counts = {
    read: rows.length + skips.length,
    measured: rows.length,
    unlabelled: count('unlabelled'),
    invalid: count('invalid'),
    failed: count('failed'),
  };
  return {
    label: options.label,
    threshold: options.threshold,
    thresholds: options.thresholds,
    overall: sliceMetrics(rows),
    bestF1: bestF1(scored),
    targetFpr:
      options.targetFpr === undefined
        ? null
        : { target: options.targetFpr, point: thresholdForFpr(scored, options.targetFpr) },
    slices,
    categories,
    latency: {
      p50: percentile(durations, 50),
      p95: percentile(durations, 95),
      p99: percentile(durations, 99),
      perSecond:
        options.wallMs === undefined || options.wallMs <= 0 ? null : rows.length / (options.wallMs / 1000),
    },
    counts,
    interrupted: options.interrupted ?? false,
  };
}
