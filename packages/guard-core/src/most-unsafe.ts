import type { Usage } from './engine/types.js';
import type { Verdict } from './verdict/types.js';

/** What ranks a score: whether it is safe under the policy, then its probability. */
export interface Ranked {
  safe: boolean;
  unsafeProbability: number | null;
}

const rank = (item: Ranked) => [item.safe ? 0 : 1, item.unsafeProbability ?? (item.safe ? 0 : 1)] as const;

/** True when `a` is more unsafe than `b`: unsafe before safe, then the higher `unsafeProbability`. */
export function isMoreUnsafe(a: Ranked, b: Ranked): boolean {
  const [a0, a1] = rank(a);
  const [b0, b1] = rank(b);
  return a0 > b0 || (a0 === b0 && a1 > b1);
}

/** The usage of several scores of one call, summed. */
export function sumUsage(usages: readonly Usage[]): Usage {
  const usage: Usage = { promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 };
  for (const each of usages) {
    usage.promptTokens += each.promptTokens;
    usage.evaluatedTokens += each.evaluatedTokens;
    usage.cachedTokens += each.cachedTokens;
  }
  return usage;
}

/**
 * The most unsafe of several verdicts of one call ({@link isMoreUnsafe}; the first on ties), with
 * the usage of all of them summed.
 */
export function mostUnsafe(verdicts: readonly Verdict[]): Verdict {
  let chosen = verdicts[0] as Verdict;
  for (const verdict of verdicts.slice(1)) if (isMoreUnsafe(verdict, chosen)) chosen = verdict;
  if (verdicts.length === 1) return chosen;
  return { ...chosen, usage: sumUsage(verdicts.map((verdict) => verdict.usage)) };
}
