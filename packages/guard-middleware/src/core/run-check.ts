import type { Guard, JudgedRole, Message, Verdict } from '@vigil/guard-core';
import { VigilEngineError } from '@vigil/guard-core';

export interface CheckOptions {
  role: JudgedRole;
  timeoutMs: number;
  /** The client's signal: a disconnect aborts the check. */
  signal?: AbortSignal | undefined;
  categories?: readonly string[] | undefined;
}

/**
 * One guard call with a deadline. A timeout rejects with `VigilEngineError`; a client disconnect
 * with the guard's `VigilAbortError`.
 * @example
 * const verdict = await runCheck(guard, messages, { role: 'user', timeoutMs: 15_000, signal });
 */
export async function runCheck(
  guard: Pick<Guard, 'classify'>,
  messages: readonly Message[],
  options: CheckOptions,
): Promise<Verdict> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    // Race the signal too: a guard that ignores it must not hang the request.
    return await Promise.race([
      guard.classify(messages, { role: options.role, signal, categories: options.categories }),
      rejectOnAbort(signal),
    ]);
  } catch (error) {
    if (timeout.aborted && !options.signal?.aborted) {
      throw new VigilEngineError(
        `guard check: expected a verdict within ${options.timeoutMs} ms, received none`,
        { cause: error },
      );
    }
    throw error;
  }
}

function rejectOnAbort(signal: AbortSignal) {
  return new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A short reason for a failed check, fit for an error body. */
export function failureReason(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
