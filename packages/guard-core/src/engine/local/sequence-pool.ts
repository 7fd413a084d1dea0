import { VigilAbortError, VigilDisposedError, VigilQueueFullError } from '../../errors.js';

interface Waiter<S> {
  tokens: readonly number[];
  resolve(slot: S): void;
  reject(error: Error): void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

/** Length of the common prefix of two token lists. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]) {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}

/**
 * Hands out a fixed set of slots (context sequences) to callers. A free slot goes to the caller
 * whose tokens it already holds the most of (so a policy prefix or a growing conversation stays
 * on the sequence that has it in cache); callers that must wait are served first come, first
 * served, so none starves. The queue is bounded: past `maxQueue` waiting calls it throws.
 */
export class SequencePool<S extends { readonly tokens: readonly number[] }> {
  readonly #free: S[];
  readonly #waiters: Waiter<S>[] = [];
  readonly #maxQueue: number;
  #closed = false;

  constructor(slots: readonly S[], maxQueue: number) {
    this.#free = [...slots];
    this.#maxQueue = maxQueue;
  }

  get waiting() {
    return this.#waiters.length;
  }

  get free() {
    return this.#free.length;
  }

  acquire(tokens: readonly number[], signal?: AbortSignal): Promise<S> {
    if (this.#closed) return Promise.reject(new VigilDisposedError('classify: the guard was disposed'));
    if (signal?.aborted)
      return Promise.reject(new VigilAbortError('classify: aborted', { cause: signal.reason }));
    if (this.#free.length > 0) return Promise.resolve(this.#takeBest(tokens));
    if (this.#waiters.length >= this.#maxQueue) {
      return Promise.reject(
        new VigilQueueFullError(
          `classify: ${this.#waiters.length} calls are already waiting for the model (maxQueue ${this.#maxQueue}); retry later or raise maxQueue`,
        ),
      );
    }
    return new Promise<S>((resolve, reject) => {
      const waiter: Waiter<S> = { tokens, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(
            new VigilAbortError('classify: aborted while waiting for the model', { cause: signal.reason }),
          );
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  release(slot: S) {
    const waiter = this.#waiters.shift();
    if (!waiter) {
      this.#free.push(slot);
      return;
    }
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(slot);
  }

  /** Rejects every waiting call; slots in use are released by their callers as usual. */
  close() {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new VigilDisposedError('classify: the guard was disposed while the call waited'));
    }
  }

  #takeBest(tokens: readonly number[]) {
    let best = 0;
    let bestLength = -1;
    this.#free.forEach((slot, index) => {
      const length = commonPrefixLength(slot.tokens, tokens);
      if (length > bestLength) {
        best = index;
        bestLength = length;
      }
    });
    return this.#free.splice(best, 1)[0] as S;
  }
}
