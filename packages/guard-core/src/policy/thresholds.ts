import { z } from 'zod';
import { VigilConfigError } from '../errors.js';

const probability = z.number().gt(0, 'expected a number above 0').lte(1, 'expected a number at most 1');

/**
 * Per-category thresholds: `{ default: 0.5, S6: 0.85 }`. `default` is the policy's `threshold`;
 * a code's entry replaces it for that category (see {@link isFlagged} for the rule).
 */
export const thresholdsSchema = z.record(
  z.string().regex(/^(default|S\d{1,3})$/, "expected 'default' or a category code like S6"),
  probability,
);

/** The resolved thresholds: the default and the codes that have their own. */
export interface ResolvedThresholds {
  threshold: number;
  thresholds: Readonly<Record<string, number>>;
}

/**
 * Merges `threshold` and `thresholds` (its `default` is the same setting: give one of them) and
 * checks every code is a category the guard knows.
 * @throws VigilConfigError naming the option at fault.
 */
export function resolveThresholds(
  threshold: number | undefined,
  thresholds: Readonly<Record<string, number>> | undefined,
  known: ReadonlySet<string>,
  path: string,
): ResolvedThresholds {
  const { default: fromMap, ...perCode } = thresholds ?? {};
  if (threshold !== undefined && fromMap !== undefined && threshold !== fromMap) {
    throw new VigilConfigError(
      `${path}.thresholds.default: expected the same value as threshold (they are one setting), received ${fromMap} and threshold ${threshold}`,
    );
  }
  for (const code of Object.keys(perCode)) {
    if (!known.has(code)) {
      throw new VigilConfigError(
        `${path}.thresholds.${code}: unknown category '${code}'; expected a built-in or custom category code`,
      );
    }
  }
  return { threshold: threshold ?? fromMap ?? 0.5, thresholds: perCode };
}

/** The threshold in force for one category: its own, else the default. */
export function categoryThreshold(policy: ResolvedThresholds, code: string): number {
  return policy.thresholds[code] ?? policy.threshold;
}

/**
 * The lowest threshold any category in force can fire at: engines decode category codes at or
 * above it, so the codes are known whenever some category could make the verdict unsafe.
 */
export function lowestThreshold(policy: ResolvedThresholds, codes: readonly string[]): number {
  return Math.min(policy.threshold, ...codes.map((code) => categoryThreshold(policy, code)));
}

/**
 * The formula of the verdict rule, with `p` = P(unsafe) and t(c) = the threshold of category c:
 * unsafe when some code the model named that is in force has p >= t(c), or when the model named
 * no code at all and p >= the default threshold. Codes outside the policy never make a verdict
 * unsafe. The decision itself is `judgeScore` (`verdict/verdict.ts`), which applies it.
 */
export function isFlagged(
  policy: ResolvedThresholds,
  unsafeProbability: number,
  namedInPolicy: readonly string[],
  namedAny: number,
): boolean {
  if (namedAny === 0) return unsafeProbability >= policy.threshold;
  return namedInPolicy.some((code) => unsafeProbability >= categoryThreshold(policy, code));
}
