import type { VigilDecision } from './decision.js';

/**
 * The annotation headers for the decisions of one exchange: `x-vigil-verdict` (`safe`, `unsafe`
 * or `error`), `x-vigil-categories` (`S1,S9`), `x-vigil-score` (the highest unsafe probability).
 * Skipped checks add nothing.
 * @example
 * verdictHeaders([requestDecision]); // { 'x-vigil-verdict': 'safe', 'x-vigil-categories': '', 'x-vigil-score': '0.02' }
 */
export function verdictHeaders(decisions: readonly (VigilDecision | undefined)[]): Record<string, string> {
  const checked = decisions.filter(
    (decision): decision is VigilDecision => decision !== undefined && decision.action !== 'skip',
  );
  if (checked.length === 0) return {};
  const failed = checked.some((decision) => decision.verdict === undefined);
  const unsafe = checked.some((decision) => decision.verdict?.safe === false);
  const codes = new Set(checked.flatMap((decision) => decision.verdict?.categories.map((c) => c.code) ?? []));
  const scores = checked.flatMap((decision) => decision.verdict?.unsafeProbability ?? []);
  const headers: Record<string, string> = {
    'x-vigil-verdict': unsafe ? 'unsafe' : failed ? 'error' : 'safe',
    'x-vigil-categories': [...codes].join(','),
  };
  if (scores.length > 0) headers['x-vigil-score'] = String(Math.round(Math.max(...scores) * 1000) / 1000);
  return headers;
}
