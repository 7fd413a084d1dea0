import type { Verdict } from './verdict.js';

/** A small LRU of verdicts keyed by (model, policy, role, conversation), with hit/miss counters. */
export class VerdictCache {
  readonly #entries = new Map<string, Verdict>();
  readonly #capacity: number;
  hits = 0;
  misses = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size() {
    return this.#entries.size;
  }

  get(key: string): Verdict | undefined {
    if (this.#capacity === 0) return undefined;
    const found = this.#entries.get(key);
    if (!found) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.#entries.delete(key);
    this.#entries.set(key, found);
    return found;
  }

  set(key: string, verdict: Verdict) {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, verdict);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  clear() {
    this.#entries.clear();
  }
}
