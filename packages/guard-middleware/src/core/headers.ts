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

/** True for a header name in Vigil's own namespace (`x-vigil-*`), which only Vigil may set. */
export const isVigilHeader = (name: string) => name.toLowerCase().startsWith('x-vigil-');

/**
 * The annotation headers of an answer that was not read (not 2xx): nothing may claim it safe.
 * `x-vigil-unchecked` names `response`; the request's verdict moves to `x-vigil-request-verdict`,
 * and `x-vigil-verdict` (with its categories and score) stays only when it is not `safe` (an
 * unsafe or failed request check holds whatever the answer is).
 * @example
 * unreadResponseHeaders({ 'x-vigil-verdict': 'safe', 'x-vigil-categories': '' });
 * // { 'x-vigil-request-verdict': 'safe', 'x-vigil-unchecked': 'response' }
 */
export function unreadResponseHeaders(requestHeaders: Record<string, string>): Record<string, string> {
  const headers = { ...requestHeaders };
  const verdict = headers['x-vigil-verdict'];
  if (verdict !== undefined) headers['x-vigil-request-verdict'] = verdict;
  if (verdict === 'safe') {
    delete headers['x-vigil-verdict'];
    delete headers['x-vigil-categories'];
    delete headers['x-vigil-score'];
  }
  const sides = new Set((headers['x-vigil-unchecked'] ?? '').split(',').filter((side) => side !== ''));
  sides.add('response');
  headers['x-vigil-unchecked'] = [...sides].join(',');
  return headers;
}
