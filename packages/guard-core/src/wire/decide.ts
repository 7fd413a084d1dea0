import type { JudgedRole } from '../conversation/types.js';
import type { Verdict } from '../verdict/types.js';
import { httpStatus, type Refusal, type WireSide } from './http-status.js';
import type { FailMode, VigilMode } from './modes.js';

/**
 * What the middleware did with one side of one exchange:
 * - `allow`: checked and safe; `block`: unsafe, replaced by an error (mode `'block'`);
 * - `flag`: unsafe but let through (modes `'annotate'` and `'shadow'`);
 * - `fail-open` / `fail-closed`: the check failed (or the body could not be read) and the
 *   traffic passed / was refused;
 * - `skip`: nothing to check (see `reason`), or unknown traffic let through by `passUnknown`
 *   (then `unchecked` is true).
 */
export type VigilAction = 'allow' | 'block' | 'flag' | 'fail-open' | 'fail-closed' | 'skip';

/** One decision, as `onDecision` and the context see it. */
export interface VigilDecision {
  /** `user` for the request check, `assistant` for the response check. */
  role: JudgedRole;
  action: VigilAction;
  /** The verdict, when a check completed. */
  verdict: Verdict | undefined;
  /** The failure, for `fail-open`, `fail-closed` and aborted checks. */
  error: unknown;
  /** Milliseconds spent waiting for the guard (all checks of a stream summed). */
  durationMs: number;
  /** Why nothing was checked (`skip`) or what failed, in words. */
  reason?: string | undefined;
  /** True for a streamed (SSE) response. */
  streamed?: boolean | undefined;
  /**
   * True when traffic that may hold text reached the other side without a check: a body or
   * stream the middleware could not read, let through by `passUnknown` or `failMode: 'open'`.
   */
  unchecked?: boolean | undefined;
}

/**
 * What a check came to: a verdict, nothing to judge, a body or stream that could not be read or
 * was not recognised (`unknown`), one past the size limit, a conversation the guard rejects, a
 * guard failure, or a client that went away. `unreadable`: bytes that claim a known shape and
 * cannot be read (bad JSON, token ids, an unrecognised body or event); `unsupported`: a binary
 * body with no JSON in it.
 */
export type CheckOutcome =
  | 'safe'
  | 'unsafe'
  | 'no-text'
  | 'unreadable'
  | 'unsupported'
  | 'too-large'
  | 'invalid-conversation'
  | 'failed'
  | 'aborted';

export interface DecideInput {
  mode: VigilMode;
  failMode: FailMode;
  /** Let unknown bodies and streams through (`skip`, marked unchecked) instead of applying the fail mode. */
  passUnknown: boolean;
  side: WireSide;
  outcome: CheckOutcome;
}

/** The body an adapter sends when traffic is refused. */
export type RefusalBody =
  | 'blocked'
  | 'unavailable'
  | 'too-large'
  | 'unreadable'
  | 'invalid-conversation'
  | 'client-closed';

export interface Decided {
  action: VigilAction;
  /** Set when the traffic is refused (a status of 0 means: the stream is ended, nothing to send). */
  refusal: { status: number; body: RefusalBody } | undefined;
  /** True when traffic passes although it was not judged. */
  unchecked: boolean;
}

/**
 * The one table of what happens to traffic: mode x failMode x side x outcome -> action and
 * refusal; the refusal's status comes from the one status table (`httpStatus`). Used by the
 * request path, the JSON response path and streams. `blockedStatus` is the status of an unsafe
 * verdict's refusal (the `blockedStatus` option, `400` by default).
 * @example
 * decide({ mode: 'block', failMode: 'closed', passUnknown: false, side: 'request', outcome: 'unsupported' });
 * // { action: 'fail-closed', refusal: { status: 415, body: 'unreadable' }, unchecked: false }
 */
export function decide(input: DecideInput, blockedStatus = 400): Decided {
  const enforce = input.mode === 'block';
  const closed = enforce && input.failMode === 'closed';
  const pass = (action: VigilAction, unchecked = false): Decided => ({
    action,
    refusal: undefined,
    unchecked,
  });
  const refuse = (refusal: Refusal, body: RefusalBody, action: VigilAction = 'fail-closed'): Decided => ({
    action,
    refusal: { status: httpStatus(refusal, input.side), body },
    unchecked: false,
  });
  switch (input.outcome) {
    case 'safe':
      return pass('allow');
    case 'unsafe':
      return enforce
        ? { action: 'block', refusal: { status: blockedStatus, body: 'blocked' }, unchecked: false }
        : pass('flag');
    case 'no-text':
      return pass('skip');
    case 'aborted':
      return refuse('client-closed', 'client-closed', 'skip');
    case 'unreadable':
    case 'unsupported':
      if (input.passUnknown) return pass('skip', true);
      return closed ? refuse(input.outcome, 'unreadable') : pass('fail-open', true);
    case 'too-large':
      return closed ? refuse('too-large', 'too-large') : pass('fail-open', true);
    case 'invalid-conversation':
      return closed ? refuse('invalid-conversation', 'invalid-conversation') : pass('fail-open', true);
    case 'failed':
      return closed ? refuse('unavailable', 'unavailable') : pass('fail-open', true);
    default:
      return input.outcome satisfies never;
  }
}

/** Calls a logging hook (`onDecision`, `onVerdict`), never letting its errors reach the traffic. */
export function report<T>(hook: ((value: T) => void) | undefined, value: T | undefined) {
  if (!hook || value === undefined) return;
  try {
    hook(value);
  } catch {
    // a logging hook must not break traffic
  }
}
