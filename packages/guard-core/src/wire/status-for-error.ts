import {
  VigilAbortError,
  VigilConfigError,
  VigilContentFilterError,
  VigilError,
  VigilInputError,
  VigilQueueFullError,
} from '../errors.js';

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
 * The HTTP status for a failure, the same for the middleware and the generator's API: 499 for a
 * client that went away, 413 for an oversized request body, 400 for a conversation or call
 * options the guard cannot take and for traffic refused by the content filter, 429 for a full
 * queue, 503 for anything else (guard or model down, timeout). On the response side nothing is
 * the client's fault: 502 for an oversized or unreadable answer, 503 otherwise.
 * @example
 * statusForError(new VigilEngineError('guard check: timed out'), 'request'); // 503
 */
export function statusForError(error: unknown, side: 'request' | 'response'): number {
  const request = side === 'request';
  if (VigilAbortError.isInstance(error)) return 499;
  if (VigilBodyTooLargeError.isInstance(error)) return request ? 413 : 502;
  if (VigilInputError.isInstance(error) || VigilConfigError.isInstance(error)) return request ? 400 : 502;
  if (VigilContentFilterError.isInstance(error)) return 400;
  if (VigilQueueFullError.isInstance(error)) return 429;
  return 503;
}
