import {
  VigilAbortError,
  VigilConfigError,
  VigilContentFilterError,
  VigilInputError,
  VigilQueueFullError,
} from '../errors.js';
import { VigilBodyTooLargeError } from './body-too-large-error.js';

/** Which side of an exchange was refused: the request (the client's input) or the response. */
export type WireSide = 'request' | 'response';

/**
 * Why traffic is refused, the key of the one status table: an unsafe verdict (`blocked`), a
 * client that went away (`client-closed`), a body past the size limit, a binary body with no JSON
 * (`unsupported`), bytes that cannot be read, a conversation or call options the guard cannot take
 * (`invalid-conversation`), a full queue (`busy`), or a guard that could not judge (`unavailable`:
 * guard or model down, timeout).
 */
export type Refusal =
  | 'blocked'
  | 'client-closed'
  | 'too-large'
  | 'unsupported'
  | 'unreadable'
  | 'invalid-conversation'
  | 'busy'
  | 'unavailable';

/**
 * The one table of HTTP statuses, `[request side, response side]`, for the middleware, the
 * server and the generator. On the response side nothing is the client's fault: what the upstream
 * sent that cannot be judged is a bad gateway (502). 499 is nginx's "client closed request": the
 * client is gone, so it is mostly what logs, metrics and `onDecision` see.
 */
const statuses = {
  blocked: [400, 400],
  'client-closed': [499, 499],
  'too-large': [413, 502],
  unsupported: [415, 502],
  unreadable: [400, 502],
  'invalid-conversation': [400, 502],
  busy: [429, 429],
  unavailable: [503, 503],
} as const satisfies Record<Refusal, readonly [number, number]>;

/**
 * The HTTP status of a refusal on one side (an unsafe verdict's is 400 unless the caller's
 * `blockedStatus` option says otherwise: `decide()` applies it).
 * @example
 * httpStatus('too-large', 'request'); // 413
 */
export function httpStatus(refusal: Refusal, side: WireSide): number {
  return statuses[refusal][side === 'request' ? 0 : 1];
}

/** True for an abort caused by a deadline (`AbortSignal.timeout`), not by the caller going away. */
function timedOut(error: VigilAbortError): boolean {
  const cause = error.cause;
  return typeof cause === 'object' && cause !== null && (cause as { name?: unknown }).name === 'TimeoutError';
}

/**
 * What a failure refuses the traffic as: an abort is `client-closed` (an abort whose reason is a
 * passed deadline, `AbortSignal.timeout`'s `TimeoutError`, is a timeout: `unavailable`), an
 * oversized body `too-large`, bad input or call options `invalid-conversation`, the content
 * filter's refusal `blocked`, a full queue `busy`, anything else `unavailable`.
 * @example
 * refusalForError(new VigilQueueFullError('classify: 16 calls waiting')); // 'busy'
 */
export function refusalForError(error: unknown): Refusal {
  if (VigilAbortError.isInstance(error)) return timedOut(error) ? 'unavailable' : 'client-closed';
  if (VigilBodyTooLargeError.isInstance(error)) return 'too-large';
  if (VigilInputError.isInstance(error) || VigilConfigError.isInstance(error)) return 'invalid-conversation';
  if (VigilContentFilterError.isInstance(error)) return 'blocked';
  if (VigilQueueFullError.isInstance(error)) return 'busy';
  return 'unavailable';
}

/**
 * The HTTP status for a failure, from the one table: 499 for a client that went away, 413 for an
 * oversized request body, 400 for a conversation or call options the guard cannot take and for
 * traffic refused by the content filter, 429 for a full queue, 503 for anything else (guard or
 * model down, timeout). On the response side: 502 for an oversized or unreadable answer.
 * @example
 * statusForError(new VigilEngineError('guard check: timed out'), 'request'); // 503
 */
export function statusForError(error: unknown, side: WireSide): number {
  return httpStatus(refusalForError(error), side);
}
