import type { Guard, JudgedRole, Message, Verdict } from '@vigil/guard-core';
import { classifyWithin } from '@vigil/guard-core/internal';

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
export function runCheck(
  guard: Pick<Guard, 'classify'>,
  messages: readonly Message[],
  options: CheckOptions,
): Promise<Verdict> {
  return classifyWithin(guard, messages, { ...options, label: 'guard check' });
}

/** A short reason for a failed check, fit for an error body: guard-core's one `failureReason`. */
export { failureReason } from '@vigil/guard-core/internal';
