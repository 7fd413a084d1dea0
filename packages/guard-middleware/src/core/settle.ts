import type { JudgedRole, Verdict } from '@vigil/guard-core';
import { VigilAbortError, VigilInputError } from '@vigil/guard-core';
import type { ParsedBody } from './body.js';
import { type CheckOutcome, decide, report, type VigilDecision } from './decision.js';
import { refusalBody } from './error-body.js';
import { verdictHeaders } from './headers.js';
import type { ResolvedOptions, VigilReply } from './options.js';
import type { ProtocolName } from './protocols/types.js';
import type { RequestCheck } from './read-request.js';
import { failureReason, runCheck } from './run-check.js';

/** What checking one side came to, before the decision table is applied. */
export interface Judged {
  outcome: CheckOutcome;
  verdict?: Verdict | undefined;
  error?: unknown;
  reason?: string | undefined;
}

/** Judges conversations (each its own check, as its role); the first unsafe verdict wins. */
export async function judge(
  options: ResolvedOptions,
  checks: readonly RequestCheck[],
  signal: AbortSignal | undefined,
): Promise<Judged> {
  let verdict: Verdict | undefined;
  for (const { role, messages } of checks) {
    try {
      const current = await runCheck(options.guard, messages, {
        role,
        timeoutMs: options.timeoutMs,
        signal,
        categories: options.categories,
      });
      verdict ??= current;
      if (!current.safe) return { outcome: 'unsafe', verdict: current };
    } catch (error) {
      return failed(error, signal);
    }
  }
  return { outcome: 'safe', verdict };
}

/** The judged outcome of an error thrown while checking. */
function failed(error: unknown, signal?: AbortSignal | undefined): Judged {
  const reason = failureReason(error);
  if (signal?.aborted || VigilAbortError.isInstance(error))
    return { outcome: 'aborted', error, reason: 'the client disconnected' };
  if (VigilInputError.isInstance(error)) return { outcome: 'invalid-conversation', error, reason };
  return { outcome: 'failed', error, reason };
}

/** The judged outcome of a body that was not read to the end, or undefined for one to read. */
export function unreadBody(parsed: ParsedBody): Judged | undefined {
  switch (parsed.kind) {
    case 'none':
      return { outcome: 'no-text', reason: 'no body' };
    case 'too-large':
      return { outcome: 'too-large', error: parsed.error, reason: parsed.error.message };
    case 'unreadable':
      return { outcome: 'unreadable', reason: parsed.reason };
    case 'unsupported':
      return { outcome: 'unsupported', reason: parsed.reason };
    default:
      return undefined;
  }
}

/** A reply as a Fetch `Response`: a string body as text, anything else as JSON. */
function toResponse(reply: VigilReply, annotation: Record<string, string>): Response {
  const text = typeof reply.body === 'string';
  return new Response(text ? (reply.body as string) : JSON.stringify(reply.body), {
    status: reply.status,
    headers: {
      'content-type': text ? 'text/plain; charset=utf-8' : 'application/json',
      ...reply.headers,
      ...annotation,
    },
  });
}

/** A settled side: its decision, the reply that replaces the traffic (if refused), its annotation headers. */
export interface Settled {
  decision: VigilDecision;
  reply: Response | undefined;
  headers: Record<string, string>;
}

/**
 * Settles one side of an exchange: the decision table (`decide`), the decision reported to
 * `onDecision`, the annotation headers (of `earlier` decisions too; none in shadow mode) and,
 * when the traffic is refused, the reply in the protocol's error shape (or `onBlocked`'s).
 */
export async function settle(
  options: ResolvedOptions,
  side: { role: JudgedRole; judged: Judged; protocol: ProtocolName; started: number },
  earlier: readonly (VigilDecision | undefined)[] = [],
): Promise<Settled> {
  const { role, judged, protocol } = side;
  const which = role === 'user' ? 'request' : 'response';
  const decided = decide(
    {
      mode: options.mode,
      failMode: options.failMode[which],
      passUnknown: options.passUnknown[which],
      side: which,
      outcome: judged.outcome,
    },
    options.blockedStatus,
  );
  const decision: VigilDecision = {
    role,
    action: decided.action,
    verdict: judged.verdict,
    error: judged.error,
    durationMs: performance.now() - side.started,
    ...(judged.reason === undefined ? {} : { reason: judged.reason }),
    ...(decided.unchecked ? { unchecked: true } : {}),
  };
  const headers = options.mode === 'shadow' ? {} : verdictHeaders([...earlier, decision]);
  const { refusal } = decided;
  let reply: VigilReply | undefined;
  if (!refusal) reply = undefined;
  else if (refusal.body === 'client-closed')
    reply = { status: refusal.status, body: 'client closed request' };
  else if (refusal.body === 'blocked' && options.onBlocked) reply = await options.onBlocked(decision);
  else {
    const body = refusalBody(refusal.body, protocol, {
      role,
      reason: judged.reason ?? 'the check failed',
      verdict: judged.verdict,
    });
    reply = { status: refusal.status, body };
  }
  report(options.onDecision, decision);
  return { decision, reply: reply && toResponse(reply, headers), headers };
}
