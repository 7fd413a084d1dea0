import { judgeScore } from '@vigil/guard-core/internal';
import type { EvalRowResult } from './eval-types.js';
import { type Confusion, confusionOf, type Rates, ratesOf } from './metrics.js';

/** What to tune for: the best F1, or the most recall at a false-positive rate at most `targetFpr`. */
export type TuneObjective = { kind: 'f1' } | { kind: 'fpr'; target: number };

export interface TunedThresholds {
  threshold: number;
  /** Categories that get a threshold of their own. */
  thresholds: Record<string, number>;
  confusion: Confusion;
  rates: Rates;
  /** Per code with its own threshold: rows where the model named it. */
  namedRows: Record<string, number>;
}

type Thresholds = { threshold: number; thresholds: Record<string, number> };

/** Candidate thresholds: the distinct scores (at most `limit`, spread by rank). */
function candidates(scores: readonly number[], limit = 200) {
  const distinct = [...new Set(scores.filter((score) => score > 0))].sort((a, b) => a - b);
  if (distinct.length <= limit) return distinct;
  return Array.from(
    { length: limit },
    (_, index) => distinct[Math.floor((index * distinct.length) / limit)] as number,
  );
}

/** The verdicts of `rows` under other thresholds: guard-core's threshold decision, `judgeScore`, replayed. */
export function flagAt(rows: readonly EvalRowResult[], inForce: ReadonlySet<string>, at: Thresholds) {
  const policy = { ...at, categories: [...inForce].map((code) => ({ code })) };
  return rows.map((row) => ({
    label: row.label,
    flagged: !judgeScore({ unsafeProbability: row.unsafeProbability, codes: row.named }, policy).safe,
  }));
}

/** Higher is better; `null` when the thresholds miss the target. */
function score(rates: Rates, objective: TuneObjective): number[] | null {
  if (objective.kind === 'f1') return [rates.f1 ?? -1, rates.precision ?? -1];
  if (rates.fpr === null || rates.fpr > objective.target) return null;
  return [rates.recall ?? -1, -(rates.fpr ?? 0), rates.precision ?? -1];
}

function better(a: number[] | null, b: number[] | null) {
  if (a === null) return false;
  if (b === null) return true;
  for (let index = 0; index < a.length; index++) {
    if ((a[index] as number) !== (b[index] as number)) return (a[index] as number) > (b[index] as number);
  }
  return false;
}

/**
 * Chooses thresholds for the policy from measured rows: first the default threshold over all
 * rows, then, one category in force at a time (two passes), a threshold of its own for the rows
 * where the model named it, kept when it improves the objective (coordinate ascent: a good
 * point, not a proven optimum). `null` when no thresholds meet a target FPR.
 * @example
 * const tuned = tuneThresholds(rows, new Set(['S1', 'S9']), { kind: 'f1' });
 */
export function tuneThresholds(
  rows: readonly EvalRowResult[],
  inForce: ReadonlySet<string>,
  objective: TuneObjective,
): TunedThresholds | null {
  const evaluate = (at: Thresholds) => score(ratesOf(confusionOf(flagAt(rows, inForce, at))), objective);
  const scores = rows.flatMap((row) => (row.unsafeProbability === null ? [] : [row.unsafeProbability]));
  let best: Thresholds | undefined;
  let bestScore: number[] | null = null;
  for (const threshold of candidates(scores)) {
    const at = { threshold, thresholds: {} };
    const value = evaluate(at);
    if (better(value, bestScore)) {
      best = at;
      bestScore = value;
    }
  }
  if (!best) return null;
  let chosen: Thresholds = best;
  const codes = [...inForce].filter((code) => rows.some((row) => row.named.includes(code)));
  for (let pass = 0; pass < 2; pass++) {
    for (const code of codes) {
      const own = candidates(
        rows.flatMap((row) =>
          row.unsafeProbability !== null && row.named.includes(code) ? [row.unsafeProbability] : [],
        ),
      );
      for (const threshold of own) {
        const at: Thresholds = {
          threshold: chosen.threshold,
          thresholds: { ...chosen.thresholds, [code]: threshold },
        };
        const value = evaluate(at);
        if (better(value, bestScore)) {
          chosen = at;
          bestScore = value;
        }
      }
    }
  }
  const thresholds = Object.fromEntries(
    Object.entries(chosen.thresholds).filter(([, value]) => value !== chosen.threshold),
  );
  const confusion = confusionOf(flagAt(rows, inForce, { threshold: chosen.threshold, thresholds }));
  return {
    threshold: chosen.threshold,
    thresholds,
    confusion,
    rates: ratesOf(confusion),
    namedRows: Object.fromEntries(
      Object.keys(thresholds).map((code) => [code, rows.filter((row) => row.named.includes(code)).length]),
    ),
  };
}
