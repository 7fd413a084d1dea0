import { sleep } from '../../async/sleep.js';
import { VigilAbortError, VigilDisposedError, VigilEngineError, VigilError } from '../../errors.js';
import type { ScoreRequest, ScoreResult } from '../types.js';
import { backoffDelay } from './backoff.js';
import { AttemptFailure } from './http-attempt.js';
import type { RemoteTotals } from './remote-stats.js';
import type { Replica, ReplicaPool } from './replica-pool.js';

/** Where and how often a score is tried. */
export interface RetrySettings {
  readonly pool: ReplicaPool;
  /** Retries after the first attempt, for retryable failures only. */
  readonly maxRetries: number;
  /** Counts calls, retries, failed attempts and the tokens of the returned scores. */
  readonly totals: RemoteTotals;
}

/**
 * Runs `attempt` on the least loaded replica not yet tried, retrying retryable failures on
 * another one after a jittered backoff. Every replica is released with the attempt's outcome for
 * its circuit breaker. `signal` aborts the caller's request or, when the caller's own signal did
 * not, says the engine was disposed.
 */
export async function scoreOnReplicas(
  retry: RetrySettings,
  request: ScoreRequest,
  signal: AbortSignal,
  attempt: (replica: Replica) => Promise<ScoreResult>,
): Promise<ScoreResult> {
  const { pool, totals } = retry;
  const failures: AttemptFailure[] = [];
  const tried = new Set<Replica>();
  for (let retries = 0; ; retries++) {
    let replica: Replica;
    try {
      replica = await pool.acquire(signal, tried);
    } catch (error) {
      if (signal.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
      throw failures.length > 0 ? combinedError(failures, error) : error;
    }
    try {
      const result = await attempt(replica);
      pool.release(replica, 'success');
      totals.calls++;
      totals.promptTokens += result.usage.promptTokens;
      totals.evaluatedTokens += result.usage.evaluatedTokens;
      totals.cachedTokens += result.usage.cachedTokens;
      return result;
    } catch (error) {
      if (!(error instanceof AttemptFailure)) {
        pool.release(replica, 'neutral');
        if (signal.aborted && !request.signal?.aborted) {
          throw new VigilDisposedError('remote engine: the engine was disposed', { cause: error });
        }
        throw error;
      }
      pool.release(replica, error.countsAsFailure ? 'failure' : 'neutral', error.message);
      totals.failedAttempts++;
      failures.push(error);
      tried.add(replica);
      if (!error.retryable || retries >= retry.maxRetries) throw combinedError(failures, error);
      totals.retries++;
      await sleep(backoffDelay(retries, error.retryAfterMs), signal);
    }
  }
}

function combinedError(failures: readonly AttemptFailure[], last: unknown) {
  const messages = failures.map((failure) => failure.message);
  if (VigilError.isInstance(last) && !messages.includes(last.message)) messages.push(last.message);
  const count = failures.length > 1 ? `${failures.length} attempts failed: ` : '';
  return new VigilEngineError(`remote engine: ${count}${messages.join('; ')}`, { cause: last });
}
