import { VigilAbortError, VigilDisposedError, VigilQueueFullError } from '../../errors.js';

interface Waiter<S> {
  tokens: readonly number[];
  resolve(slot: S): void;
  reject(error: Error): void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

/** How errors name a call and what it waits for, e.g. `classify` / `guard`, `chat` / `generator`. */
export interface PoolNames {
  call: string;
  owner: string;
}

/** Length of the common prefix of two token lists. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]) {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}

/**
 * Hands out a fixed set of slots (context sequences) to callers. A caller gets the free slot that
 * already holds the longest useful part of its tokens (at least `reusable` of them: the policy
 * prefix), so a policy prefix or a growing conversation stays on the sequence that has it in
 * cache; with no useful slot it gets the least recently used one, so the caches of other
 * policies, roles and conversations survive. Callers that must wait are served first come,
 * first served, so none starves. The queue is bounded: past `maxQueue` waiting calls it throws.
 */
export class SequencePool<S extends { readonly tokens: readonly number[] }> {
  readonly #free: S[];
  readonly #waiters: Waiter<S>[] = [];
  readonly #maxQueue: number;
  readonly #names: PoolNames;
  readonly #lastUsed = new Map<S, number>();
  #clock = 0;
  #closed = false;

  constructor(
    slots: readonly S[],
    maxQueue: number,
    names: PoolNames = { call: 'classify', owner: 'guard' },
  ) {
    this.#free = [...slots];
    this.#maxQueue = maxQueue;
    this.#names = names;
  }

  get waiting() {
    return this.#waiters.length;
  }

  get free() {
    return this.#free.length;
  }

  /** Waits for a slot; `reusable` is how many leading tokens make a cached prefix worth keeping. */
  acquire(tokens: readonly number[], reusable: number, signal?: AbortSignal): Promise<S> {
    const { call, owner } = this.#names;
    if (this.#closed) return Promise.reject(new VigilDisposedError(`${call}: the ${owner} was disposed`));
    if (signal?.aborted)
      return Promise.reject(new VigilAbortError(`${call}: aborted`, { cause: signal.reason }));
    if (this.#free.length > 0) return Promise.resolve(this.#takeBest(tokens, reusable));
    if (this.#waiters.length >= this.#maxQueue) {
      return Promise.reject(
        new VigilQueueFullError(
          `${call}: ${this.#waiters.length} calls are already waiting for the ${owner} (maxQueue ${this.#maxQueue}); retry later or raise maxQueue`,
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
            new VigilAbortError(`${call}: aborted while waiting for the ${owner}`, { cause: signal.reason }),
          );
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  release(slot: S) {
    this.#lastUsed.set(slot, ++this.#clock);
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
      const { call, owner } = this.#names;
      waiter.reject(new VigilDisposedError(`${call}: the ${owner} was disposed while the call waited`));
    }
  }

  #takeBest(tokens: readonly number[], reusable: number) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    this.#free.forEach((slot, index) => {
      const length = commonPrefixLength(slot.tokens, tokens);
      // Useful reuse ranks by length; otherwise an empty slot, else the least recently used one.
      const useful = length >= reusable && length > 0;
      const score = useful ? length : slot.tokens.length === 0 ? -1 : -2 - (this.#lastUsed.get(slot) ?? 0);
      if (score > bestScore) {
        best = index;
        bestScore = score;
      }
    });
    return this.#free.splice(best, 1)[0] as S;
  }
}
