import type { StreamStep, Verdict } from '@vigil/guard-core';
import type { FailMode, StreamCut, StreamSession, VigilMode } from '@vigil/guard-core/internal';
import { type CheckOutcome, decide, type VigilDecision } from './decision.js';
import { refusalBody } from './error-body.js';
import type { Protocol, StreamMemory } from './protocols/types.js';
import { failureReason } from './run-check.js';

/** The SSE text that ends a cut stream in its protocol's terms: a blocked answer, or a failure. */
export function cutEnding(cut: StreamCut, target: { protocol: Protocol; memory: StreamMemory }): Uint8Array {
  const verdict = 'step' in cut ? cut.step.verdict : undefined;
  const blocked = verdict !== undefined && !verdict.safe;
  const reason = 'unreadable' in cut ? cut.unreadable : failureReason(cut.step.error ?? 'the check failed');
  const kind = blocked ? 'blocked' : 'unreadable' in cut ? 'unreadable' : 'unavailable';
  const body = refusalBody(kind, target.protocol.name, { role: 'assistant', reason, verdict });
  const text = target.protocol.endStream(
    target.memory,
    blocked && verdict ? { kind: 'blocked', verdict } : { kind: 'failed', reason },
    body,
  );
  return new TextEncoder().encode(text);
}

export interface StreamReport {
  mode: VigilMode;
  failMode: FailMode;
  passUnknown: boolean;
  /** Events no protocol recognised that were let through. */
  unchecked: number;
  /** The failure that ended the stream early (the upstream's, or an abort). */
  error?: unknown;
}

/** The stream's one decision, from its moderators' summaries and its cut, by `decide()`'s table. */
export function streamReport(session: StreamSession, input: StreamReport): VigilDecision {
  const { cut } = session;
  const { error, unchecked } = input;
  const summaries: readonly StreamStep[] = session.summaries;
  const steps = cut && 'step' in cut && !summaries.includes(cut.step) ? [...summaries, cut.step] : summaries;
  const failed = steps.find((step) => step.error !== undefined);
  const unsafe = steps.find((step) => step.verdict?.safe === false);
  const verdict: Verdict | undefined = unsafe?.verdict ?? steps.find((step) => step.verdict)?.verdict;
  const unreadable = cut !== undefined && 'unreadable' in cut ? cut.unreadable : undefined;
  let outcome: CheckOutcome;
  if (error !== undefined) outcome = 'aborted';
  else if (unsafe) outcome = 'unsafe';
  else if (unreadable) outcome = 'unreadable';
  else if (failed) outcome = 'failed';
  else if (steps.length === 0 && unchecked > 0) outcome = 'unreadable';
  else if (steps.length === 0) outcome = 'no-text';
  else outcome = 'safe';
  const decided = decide({
    mode: input.mode,
    failMode: input.failMode,
    passUnknown: input.passUnknown,
    side: 'response',
    outcome,
  });
  const reasons = [
    error !== undefined ? `stream ended early: ${failureReason(error)}` : undefined,
    unreadable,
    failed && !unsafe ? failureReason(failed.error) : undefined,
    outcome === 'no-text' ? 'no assistant text in the stream' : undefined,
    unchecked > 0 ? `${unchecked} unrecognised event(s) passed unchecked` : undefined,
  ].filter((reason): reason is string => reason !== undefined);
  return {
    role: 'assistant',
    action: decided.action,
    verdict: failed && !unsafe ? undefined : verdict,
    error: error ?? failed?.error,
    durationMs: session.guardMs,
    reason: reasons.length > 0 ? reasons.join('; ') : undefined,
    streamed: true,
    ...(unchecked > 0 || decided.unchecked ? { unchecked: true } : {}),
  };
}
