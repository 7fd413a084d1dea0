import { VigilAbortError, VigilError, VigilInputError, VigilQueueFullError } from '@vigil/guard-core';

/** A body past `maxBodyBytes` (counted on the bytes received, or decoded): it is not judged. */
export class VigilBodyTooLargeError extends VigilInputError {
  readonly limit: number;
  readonly received: number | undefined;
  constructor(what: string, limit: number, received: number | undefined) {
    super(
      `${what} too large to moderate: expected at most ${limit} bytes, received ${received === undefined ? 'more' : received}`,
    );
    this.name = 'VigilBodyTooLargeError';
    this.limit = limit;
    this.received = received;
  }
  static override isInstance(error: unknown): error is VigilBodyTooLargeError {
    return VigilError.isInstance(error) && error.name === 'VigilBodyTooLargeError';
  }
}

/**
 * The HTTP status for a failed check, the same for every adapter (and, later, the generator):
 * 499 for a client that went away, 413 for an oversized request body, 400 for a conversation the
 * guard cannot judge, 429 for a full guard queue, 503 for anything else (guard down, timeout).
 * On the response side nothing is the client's fault: 502 for an oversized or unreadable answer,
 * 503 otherwise.
 * @example
 * statusForError(new VigilEngineError('guard check: timed out'), 'request'); // 503
 */
export function statusForError(error: unknown, side: 'request' | 'response'): number {
  if (VigilAbortError.isInstance(error)) return 499;
  if (VigilBodyTooLargeError.isInstance(error)) return side === 'request' ? 413 : 502;
  if (VigilInputError.isInstance(error)) return side === 'request' ? 400 : 502;
  if (VigilQueueFullError.isInstance(error)) return 429;
  return 503;
}
