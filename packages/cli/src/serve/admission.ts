/**
 * Bounded admission of classifications: at most `limit` admitted at once (running in the guard
 * or waiting for it). A request that would pass the limit is refused whole (429), so the queue
 * never grows without bound and a batch is never half-run.
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
