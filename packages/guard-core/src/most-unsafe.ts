import type { Usage } from './engine/types.js';
import type { Verdict } from './verdict/verdict.js';

const rank = (verdict: Verdict) => [
  verdict.safe ? 0 : 1,
  verdict.unsafeProbability ?? (verdict.safe ? 0 : 1),
];

/**
 * The most unsafe of several verdicts of one call (an unsafe one before a safe one, then the
 * higher `unsafeProbability`; the first on ties), with the usage of all of them summed.
 */
export function mostUnsafe(verdicts: readonly Verdict[]): Verdict {
  let chosen = verdicts[0] as Verdict;
  for (const verdict of verdicts.slice(1)) {
    const [a0, a1] = rank(verdict) as [number, number];
    const [b0, b1] = rank(chosen) as [number, number];
    if (a0 > b0 || (a0 === b0 && a1 > b1)) chosen = verdict;
  }
  if (verdicts.length === 1) return chosen;
  const usage: Usage = { promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 };
  for (const verdict of verdicts) {
    usage.promptTokens += verdict.usage.promptTokens;
    usage.evaluatedTokens += verdict.usage.evaluatedTokens;
    usage.cachedTokens += verdict.usage.cachedTokens;
  }
  return { ...chosen, usage };
}
