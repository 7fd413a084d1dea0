/** The first retry waits up to this long; each next one doubles it. */
const baseDelayMs = 100;
/** No retry waits longer, whatever `Retry-After` says. */
const maxDelayMs = 2000;

/**
 * The wait before retry number `retry` (0-based): "full jitter", a uniform draw in
 * [0, min(max, base * 2^retry)], so clients that failed together do not retry together. A
 * server's `Retry-After` (HTTP 429/503) raises the wait to it, capped at 2 s.
 */
export function backoffDelay(
  retry: number,
  retryAfterMs?: number | undefined,
  random: () => number = Math.random,
) {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  const jittered = random() * ceiling;
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, maxDelayMs));
}
