import { type DecoderSession, type KvState, release } from './decoder-session.js';

/**
 * The policy prefixes' KV caches: each prefix is evaluated once and kept, the least recently used
 * dropped past `max` (one entry per policy a guard uses).
 */
export class PrefixStates {
  readonly #decoder: DecoderSession;
  readonly #max: number;
  readonly #states = new Map<string, KvState>();
  /** Prefixes evaluated (cache misses). */
  evaluations = 0;

  constructor(decoder: DecoderSession, max: number) {
    this.#decoder = decoder;
    this.#max = max;
  }

  get size(): number {
    return this.#states.size;
  }

  /** The cache after `prefix` (its tokens `prefixTokens`), and how many tokens were cached or evaluated for it. */
  async get(prefix: string, prefixTokens: readonly number[]) {
    const found = this.#states.get(prefix);
    if (found) {
      this.#states.delete(prefix);
      this.#states.set(prefix, found);
      return { state: found, cached: prefixTokens.length, evaluated: 0 };
    }
    const { state } = await this.#decoder.forward(prefixTokens, this.#decoder.empty, false);
    this.evaluations++;
    this.#states.set(prefix, state);
    if (this.#states.size > this.#max) {
      const [oldest, entry] = this.#states.entries().next().value as [string, KvState];
      this.#states.delete(oldest);
      release(entry);
    }
    return { state, cached: 0, evaluated: prefixTokens.length };
  }

  /** Releases every kept cache. */
  clear(): void {
    for (const state of this.#states.values()) release(state);
    this.#states.clear();
  }
}
