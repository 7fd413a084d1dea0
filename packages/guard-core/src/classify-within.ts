import type { Message } from './conversation/types.js';
import { VigilEngineError } from './errors.js';
import type { ClassifyOptions, Guard } from './guard.js';
import type { Verdict } from './verdict/types.js';

export interface ClassifyWithinOptions extends ClassifyOptions {
  /** Milliseconds the check may take before it fails with `VigilEngineError`. Defaults to no limit. */
  timeoutMs?: number | undefined;
  /** Names the check in the timeout error, e.g. `stream check`. Defaults to `classify`. */
  label?: string | undefined;
}

/**
 * Races `call` against `signal`. The listener goes on a signal of this call's own (following the
 * caller's without a listener on it) and is removed when the race is over: many calls sharing one
 * signal neither leak listeners nor pile them onto it.
 */
async function raceAbort<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  const own = AbortSignal.any([signal]);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (own.aborted) onAbort();
    else own.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call, aborted]);
  } finally {
    own.removeEventListener('abort', onAbort);
  }
}

/**
 * One classification with a deadline and a caller's signal. The signal is raced too, so a guard
 * that ignores it (a custom one, a hung server) cannot hang the caller. A timeout rejects with
 * `VigilEngineError`; the caller's abort with its reason (the guard's `VigilAbortError`).
 * @example
 * const verdict = await classifyWithin(guard, messages, { role: 'user', timeoutMs: 15_000, signal });
 */
export async function classifyWithin(
  guard: Pick<Guard, 'classify'>,
  input: string | readonly Message[],
  options: ClassifyWithinOptions = {},
): Promise<Verdict> {
  const { timeoutMs, label = 'classify', signal: callerSignal, ...classifyOptions } = options;
  const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const signals = [callerSignal, timeout].filter((item): item is AbortSignal => item !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  try {
    const call = guard.classify(input, { ...classifyOptions, signal });
    return signal ? await raceAbort(call, signal) : await call;
  } catch (error) {
    if (timeout?.aborted && !callerSignal?.aborted) {
      throw new VigilEngineError(`${label}: expected a verdict within ${timeoutMs} ms, received none`, {
        cause: error,
      });
    }
    throw error;
  }
}
