import type { JSONObject } from '@ai-sdk/provider';
import type { JudgedRole, Verdict } from '@vigil/guard-core';
import { VigilAbortError, VigilContentFilterError } from '@vigil/guard-core';
import { decide as decideTraffic, failureReason, type VigilDecision } from '@vigil/guard-core/internal';
import { blockedBody, unavailableBody } from '../core/error-body.js';
import type { FailMode } from '../core/options.js';

/** How one check ended, before any policy is applied. */
export type CheckOutcome =
  | { kind: 'verdict'; verdict: Verdict }
  | { kind: 'failed'; error: unknown }
  | { kind: 'aborted'; error: unknown }
  | { kind: 'nothing'; reason: string };

export interface DecideInput {
  role: JudgedRole;
  outcome: CheckOutcome;
  mode: 'block' | 'annotate' | 'shadow';
  failMode: FailMode;
  durationMs: number;
  streamed?: boolean | undefined;
}

/** The shared table's outcome for one check. */
function tableOutcome(outcome: CheckOutcome) {
  switch (outcome.kind) {
    case 'verdict':
      return outcome.verdict.safe ? 'safe' : 'unsafe';
    case 'failed':
      return 'failed';
    case 'aborted':
      return 'aborted';
    case 'nothing':
      return 'no-text';
    default:
      return outcome satisfies never;
  }
}

/**
 * The decision for one check, from the HTTP middleware's table (guard-core's `decide()`): safe
 * `allow`; unsafe `block` in `'block'` mode, else `flag`; a failed check `fail-closed` only in
 * `'block'` mode under `failMode: 'closed'`, else `fail-open`; an aborted call or nothing to
 * judge `skip`.
 * @example
 * decide({ role: 'user', outcome: { kind: 'verdict', verdict }, mode: 'block', failMode: 'closed', durationMs: 12 }).action; // 'block'
 */
export function decide(input: DecideInput): VigilDecision {
  const { role, outcome, mode, failMode, durationMs } = input;
  const { action } = decideTraffic({
    mode,
    failMode,
    passUnknown: false,
    side: role === 'user' ? 'request' : 'response',
    outcome: tableOutcome(outcome),
  });
  const decision: VigilDecision = {
    role,
    durationMs,
    ...(input.streamed ? { streamed: true } : {}),
    action,
    verdict: outcome.kind === 'verdict' ? outcome.verdict : undefined,
    error: outcome.kind === 'failed' || outcome.kind === 'aborted' ? outcome.error : undefined,
  };
  if (outcome.kind === 'failed') decision.reason = failureReason(outcome.error);
  if (outcome.kind === 'aborted') decision.reason = 'the call was aborted';
  if (outcome.kind === 'nothing') decision.reason = outcome.reason;
  return decision;
}

/** The outcome of a failed guard call: an abort (the caller's signal) or a failure. */
export function failure(error: unknown, signal: AbortSignal | undefined): CheckOutcome {
  return signal?.aborted || VigilAbortError.isInstance(error)
    ? { kind: 'aborted', error }
    : { kind: 'failed', error };
}

/** True when the traffic must not pass: `block` and `fail-closed`. */
export function stops(decision: VigilDecision): boolean {
  return decision.action === 'block' || decision.action === 'fail-closed';
}

/** The message of a stopped decision: the HTTP middleware's error-body messages. */
export function blockedMessage(decision: VigilDecision): string {
  return decision.verdict && !decision.verdict.safe
    ? blockedBody(decision.verdict).error.message
    : unavailableBody(decision.role, decision.reason ?? 'the check failed').error.message;
}

/** The error a stopped call throws (or a cut stream carries in its `error` part). */
export function contentFilterError(decision: VigilDecision): VigilContentFilterError {
  const verdict = decision.verdict && !decision.verdict.safe ? decision.verdict : undefined;
  return new VigilContentFilterError(blockedMessage(decision), {
    role: decision.role,
    verdict,
    cause: decision.error,
  });
}

/** A decision as `providerMetadata.vigil.request` / `.response` shows it (JSON only). */
export function decisionMetadata(decision: VigilDecision): JSONObject {
  const verdict = decision.verdict;
  return {
    action: decision.action,
    safe: verdict ? verdict.safe : null,
    categories: verdict ? verdict.categories.map((category) => category.code) : [],
    unsafeProbability: verdict ? verdict.unsafeProbability : null,
    durationMs: Math.round(decision.durationMs),
    ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    ...(decision.streamed ? { streamed: true } : {}),
  };
}
