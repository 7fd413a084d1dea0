import { VigilAbortError } from '../errors.js';

/**
 * Waits `ms` (forever for `Infinity`), or rejects with `VigilAbortError` (`'<call>: aborted'`,
 * the signal's reason as its cause) as soon as `signal` fires. Plain timers and events: it runs
 * in browsers and edge runtimes as in Node.
 * @example
 * await sleep(backoffDelay(retry), signal);
 */
export async function sleep(ms: number, signal?: AbortSignal | undefined, call = 'classify'): Promise<void> {
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
  if (signal?.aborted) throw new VigilAbortError(`${call}: aborted`, { cause: signal.reason });
}
