import type { VigilDecision } from './decision.js';

/**
 * The annotation headers for the decisions of one exchange: `x-vigil-verdict` (`safe`, `unsafe`
 * or `error`), `x-vigil-categories` (`S1,S9`), `x-vigil-score` (the highest unsafe probability).
 * Skipped checks add nothing, except traffic that passed unread (`unchecked`, from `passUnknown`
 * or `failMode: 'open'`): `x-vigil-unchecked` names its sides (`request`, `response`).
 * @example
 * verdictHeaders([requestDecision]); // { 'x-vigil-verdict': 'safe', 'x-vigil-categories': '', 'x-vigil-score': '0.02' }
 */
export function verdictHeaders(decisions: readonly (VigilDecision | undefined)[]): Record<string, string> {
  const present = decisions.filter((decision): decision is VigilDecision => decision !== undefined);
  const unchecked = present
    .filter((decision) => decision.unchecked)
    .map((decision) => (decision.role === 'user' ? 'request' : 'response'));
  const checked = present.filter((decision) => decision.action !== 'skip');
  const extra: Record<string, string> =
    unchecked.length > 0 ? { 'x-vigil-unchecked': unchecked.join(',') } : {};
  if (checked.length === 0) return extra;
  const failed = checked.some((decision) => decision.verdict === undefined);
  const unsafe = checked.some((decision) => decision.verdict?.safe === false);
  const codes = new Set(checked.flatMap((decision) => decision.verdict?.categories.map((c) => c.code) ?? []));
  const scores = checked.flatMap((decision) => decision.verdict?.unsafeProbability ?? []);
  const headers: Record<string, string> = {
    ...extra,
    'x-vigil-verdict': unsafe ? 'unsafe' : failed ? 'error' : 'safe',
    'x-vigil-categories': [...codes].join(','),
  };
  if (scores.length > 0) headers['x-vigil-score'] = String(Math.round(Math.max(...scores) * 1000) / 1000);
  return headers;
}
