import { VigilAbortError, VigilEngineError, VigilQueueFullError } from '../../errors.js';

/** One server, its load and its health (a circuit breaker: closed, open, half-open). */
export interface Replica {
  /** The server root, e.g. `http://10.0.0.5:8080` (a `/v1` suffix removed). */
  readonly url: string;
  outstanding: number;
  consecutiveFailures: number;
  /** While `Date.now()` is below this, no call goes to the replica. */
  openUntil: number;
  /** A half-open replica lets one trial call through at a time. */
  trialInFlight: boolean;
  lastError?: string | undefined;
}

export interface ReplicaPoolOptions {
  maxInFlight: number;
  maxQueue: number;
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
}

interface Waiter {
  exclude: ReadonlySet<Replica>;
  resolve: (replica: Replica) => void;
  reject: (error: Error) => void;
}

/** The server root of a base URL: `http://h:8000/v1/` -> `http://h:8000`. */
export function replicaRoot(baseURL: string) {
  return baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/**
 * Spreads calls over replicas by least outstanding requests, at most `maxInFlight` each, and
 * keeps a replica out of rotation for `cooldownMs` after `failureThreshold` consecutive
 * failures; then one trial call decides (success closes it, failure opens it again).
 */
export class ReplicaPool {
  readonly replicas: readonly Replica[];
  readonly #options: Required<ReplicaPoolOptions>;
  readonly #waiters: Waiter[] = [];
  #closed = false;

  constructor(urls: readonly string[], options: ReplicaPoolOptions) {
    this.replicas = urls.map((url) => ({
      url: replicaRoot(url),
      outstanding: 0,
      consecutiveFailures: 0,
      openUntil: 0,
      trialInFlight: false,
    }));
    this.#options = { now: Date.now, ...options };
  }

  get waiting() {
    return this.#waiters.length;
  }

  /** Replicas that would take a call now (not open), whatever their load. */
  get healthy() {
    return this.replicas.filter((replica) => this.#admits(replica)).length;
  }

  #admits(replica: Replica) {
    if (replica.openUntil > this.#options.now()) return false;
    const halfOpen = replica.consecutiveFailures >= this.#options.failureThreshold;
    return !(halfOpen && replica.trialInFlight);
  }

  #pick(exclude: ReadonlySet<Replica>) {
    let admitted = this.replicas.filter((replica) => this.#admits(replica));
    const others = admitted.filter((replica) => !exclude.has(replica));
    if (others.length > 0) admitted = others;
    if (admitted.length === 0) return { replica: undefined, admitted: 0 };
    let best: Replica | undefined;
    for (const replica of admitted) {
      if (replica.outstanding >= this.#options.maxInFlight) continue;
      if (!best || replica.outstanding < best.outstanding) best = replica;
    }
    return { replica: best, admitted: admitted.length };
  }

  #take(replica: Replica) {
    replica.outstanding++;
    if (replica.consecutiveFailures >= this.#options.failureThreshold) replica.trialInFlight = true;
    return replica;
  }

  /**
   * A replica for one attempt: the admitted one with the fewest outstanding requests,
   * preferring those not in `exclude` (replicas that just failed this call). Waits while all are
   * busy; throws `VigilEngineError` when every replica is out of rotation.
   */
  acquire(signal?: AbortSignal | undefined, exclude: ReadonlySet<Replica> = new Set()): Promise<Replica> {
    if (this.#closed) return Promise.reject(new VigilEngineError('remote engine: the engine was disposed'));
    if (signal?.aborted)
      return Promise.reject(new VigilAbortError('classify: aborted', { cause: signal.reason }));
    const { replica, admitted } = this.#pick(exclude);
    if (replica) return Promise.resolve(this.#take(replica));
    if (admitted === 0) return Promise.reject(this.#unavailable());
    if (this.#waiters.length >= this.#options.maxQueue) {
      return Promise.reject(
        new VigilQueueFullError(
          `remote engine: queue full: expected at most ${this.#options.maxQueue} waiting calls, received one more; raise maxQueue or maxInFlight`,
        ),
      );
    }
    return new Promise<Replica>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(new VigilAbortError('classify: aborted', { cause: signal?.reason }));
      };
      const waiter: Waiter = {
        exclude,
        resolve: (picked) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(picked);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Ends an attempt: `success` closes the breaker, `failure` counts toward opening it, `neutral` neither. */
  release(replica: Replica, outcome: 'success' | 'failure' | 'neutral', error?: string) {
    replica.outstanding--;
    replica.trialInFlight = false;
    if (outcome === 'success') {
      replica.consecutiveFailures = 0;
      replica.openUntil = 0;
    } else if (outcome === 'failure') {
      replica.consecutiveFailures++;
      replica.lastError = error;
      if (replica.consecutiveFailures >= this.#options.failureThreshold) {
        replica.openUntil = this.#options.now() + this.#options.cooldownMs;
      }
    }
    this.#drain();
  }

  #drain() {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0] as Waiter;
      const { replica, admitted } = this.#pick(waiter.exclude);
      if (!replica) {
        if (admitted === 0) {
          this.#waiters.shift();
          waiter.reject(this.#unavailable());
          continue;
        }
        return;
      }
      this.#waiters.shift();
      waiter.resolve(this.#take(replica));
    }
  }

  #unavailable() {
    const now = this.#options.now();
    const reasons = this.replicas.map(
      (replica) =>
        `replica ${replica.url}: out of rotation for ${Math.max(0, replica.openUntil - now)} ms after ${replica.consecutiveFailures} failures (last: ${replica.lastError ?? 'a trial call in flight'})`,
    );
    return new VigilEngineError(
      `remote engine: no replica available: expected one in rotation, received none: ${reasons.join('; ')}`,
    );
  }

  /** Rejects waiting calls; later acquires fail. */
  close() {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new VigilEngineError('remote engine: the engine was disposed'));
    }
  }
}
