import type { ReplicaPool } from './replica-pool.js';

/** A remote engine's counters since it was created, in `stats()`. */
export interface RemoteTotals {
  /** Scores returned. */
  calls: number;
  /** `/v1/completions` requests sent. */
  requests: number;
  retries: number;
  failedAttempts: number;
  /** Scores read from the answer's text (the server sent no logprobs). */
  textOnlyScores: number;
  /** Scores whose probability is a bound (one of safe/unsafe outside the top logprobs). */
  boundedScores: number;
  promptTokens: number;
  evaluatedTokens: number;
  cachedTokens: number;
}

export function emptyTotals(): RemoteTotals {
  return {
    calls: 0,
    requests: 0,
    retries: 0,
    failedAttempts: 0,
    textOnlyScores: 0,
    boundedScores: 0,
    promptTokens: 0,
    evaluatedTokens: 0,
    cachedTokens: 0,
  };
}

/** `stats()`: the totals, then the replicas' health and load. */
export function remoteStats(totals: RemoteTotals, pool: ReplicaPool) {
  return {
    ...totals,
    replicas: pool.replicas.length,
    healthyReplicas: pool.healthy,
    outstanding: pool.replicas.reduce((sum, replica) => sum + replica.outstanding, 0),
    waiting: pool.waiting,
  };
}
