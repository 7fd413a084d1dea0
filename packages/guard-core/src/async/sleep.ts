import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { VigilAbortError } from '../errors.js';

/**
 * Waits `ms` (forever for `Infinity`), or rejects with `VigilAbortError` (`'<call>: aborted'`,
 * the signal's reason as its cause) as soon as `signal` fires.
 * @example
 * await sleep(backoffDelay(retry), signal);
 */
export async function sleep(ms: number, signal?: AbortSignal | undefined, call = 'classify'): Promise<void> {
  try {
    signal?.throwIfAborted();
    if (Number.isFinite(ms)) await delay(ms, undefined, { signal });
    else if (signal) await once(signal, 'abort');
    else await new Promise<never>(() => {});
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
  if (signal?.aborted) throw new VigilAbortError(`${call}: aborted`, { cause: signal.reason });
}
