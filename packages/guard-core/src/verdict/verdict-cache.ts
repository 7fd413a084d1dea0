import { sha256 } from '#platform/sha256';
import type { Conversation } from '../conversation/types.js';
import type { Verdict } from './types.js';

/** What decides a verdict besides the conversation: the model, the policy in force, the call's options. */
export interface VerdictCacheScope {
  model: string;
  policyKey: string;
  threshold: number;
  thresholds: Readonly<Record<string, number>>;
  includeCategoryProbabilities: boolean;
}

/**
 * The cache key of a classification: the scope and what was judged, i.e. the normalized turns
 * with their roles and the role judged, never only the rendered text. A single user turn that
 * fakes earlier turns (`...\n\nAgent: ...\n\nUser: ...`) renders byte-equal to the real
 * conversation, but its turns differ, so it never gets that conversation's verdict: it is
 * judged piece by piece (ADR 0010).
 * @example
 * verdictCacheKey(scope, normalizeConversation('Hi')) !== verdictCacheKey(scope, normalizeConversation('Hi', { role: 'assistant' })); // true
 */
export function verdictCacheKey(scope: VerdictCacheScope, conversation: Conversation): string {
  const turns = conversation.turns.map((turn) => [turn.role, turn.parts]);
  const judged = [
    scope.model,
    scope.policyKey,
    scope.threshold,
    scope.thresholds,
    scope.includeCategoryProbabilities,
    conversation.role,
    turns,
  ];
  return sha256(JSON.stringify(judged));
}

/**
 * A small LRU of verdicts keyed by {@link verdictCacheKey}, with hit/miss counters. It keeps its
 * own copy of each verdict and hands out a fresh copy on every hit: a caller that changes the
 * verdict it got (`verdict.safe = true`) changes nothing another caller gets.
 */
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

  /** A copy of the verdict stored under `key`, or `undefined`. */
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
    return structuredClone(found);
  }

  /** Stores a copy of `verdict`: the caller keeps the object it passed. */
  set(key: string, verdict: Verdict) {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, structuredClone(verdict));
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  clear() {
    this.#entries.clear();
  }
}
