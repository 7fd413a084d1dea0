import type { JSONObject } from '@ai-sdk/provider';
import type { JudgedRole, Verdict } from '@vigil/guard-core';
import { VigilAbortError, VigilContentFilterError } from '@vigil/guard-core';
import type { VigilAction, VigilDecision } from '../core/decision.js';
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

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The decision for one check, with the HTTP middleware's semantics: safe `allow`; unsafe `block`
 * in `'block'` mode, else `flag`; a failed check `fail-closed` only in `'block'` mode under
 * `failMode: 'closed'`, else `fail-open`; an aborted call or nothing to judge `skip`. Pure, so it
 * can be replaced by the shared `decide()` table of `core/` without changing behaviour.
 * @example
 * decide({ role: 'user', outcome: { kind: 'verdict', verdict }, mode: 'block', failMode: 'closed', durationMs: 12 }).action; // 'block'
 */
export function decide(input: DecideInput): VigilDecision {
  const { role, outcome, mode, failMode, durationMs } = input;
  const base = { role, durationMs, ...(input.streamed ? { streamed: true } : {}) };
  switch (outcome.kind) {
    case 'verdict': {
      const action: VigilAction = outcome.verdict.safe ? 'allow' : mode === 'block' ? 'block' : 'flag';
      return { ...base, action, verdict: outcome.verdict, error: undefined };
    }
    case 'failed': {
      const action: VigilAction = mode === 'block' && failMode === 'closed' ? 'fail-closed' : 'fail-open';
      return { ...base, action, verdict: undefined, error: outcome.error, reason: reasonOf(outcome.error) };
    }
    case 'aborted':
      return {
        ...base,
        action: 'skip',
        verdict: undefined,
        error: outcome.error,
        reason: 'the call was aborted',
      };
    case 'nothing':
      return { ...base, action: 'skip', verdict: undefined, error: undefined, reason: outcome.reason };
    default:
      return outcome satisfies never;
  }
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
