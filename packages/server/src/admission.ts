import { httpStatus } from '@vigil/guard-core/internal';
import { ApiError } from './api-error.js';

/**
 * Bounded admission of classifications: at most `limit` admitted at once (running in the guard
 * or waiting for it). A request that would pass the limit is refused whole (429), so the queue
 * never grows without bound and a batch is never half-run. A proxy call counts as one, held
 * from its request until its answer has been delivered (its request and answer checks run in
 * between).
 */
export class Admission {
  readonly limit: number;
  #active = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get active() {
    return this.#active;
  }

  /** Admits `count` classifications, or returns `false` when that would pass the limit. */
  tryAcquire(count: number) {
    if (this.#active + count > this.limit) return false;
    this.#active += count;
    return true;
  }

  release(count: number) {
    this.#active = Math.max(0, this.#active - count);
  }
}

/** The 429 of a request the admission refused, with `Retry-After`. */
export function busyError(admission: Admission, retryAfterSeconds: number) {
  return new ApiError(
    httpStatus('busy', 'request'),
    'rate_limit_error',
    `the guard is busy: ${admission.active} classifications are admitted (limit ${admission.limit}); retry after ${retryAfterSeconds}s`,
    { code: 'queue_full', retryAfterSeconds },
  );
}
