import { type StopSignal, stopSignals } from '../commands/audit/exit-code.js';
import type { CliContext } from '../context/cli-context.js';

/** A SIGINT, SIGTERM or SIGHUP that came while a model was loading: the command stops, writing nothing. */
export class LoadInterruptedError extends Error {
  constructor(readonly signal: StopSignal) {
    super(`${signal} while loading the model: stopped, nothing written`);
    this.name = 'LoadInterruptedError';
  }

  /** 128 + the signal's number, the shell's convention (130 for SIGINT, 143 for SIGTERM). */
  get exitCode(): number {
    return stopSignals[this.signal];
  }
}

/** Loads not yet settled whose caller stopped waiting (the process exits without waiting for them). */
let abandoned = 0;

/** True while a load that a signal interrupted still runs: the process should exit, not wait for it. */
export function abandonedLoads() {
  return abandoned > 0;
}

/**
 * Awaits a load (a model, a download) that a SIGINT, SIGTERM or SIGHUP, or `context.signal`
 * (tests; taken as SIGINT), interrupts: the promise then rejects at once with a
 * {@link LoadInterruptedError}, and whatever loads anyway is disposed when it arrives. While
 * waiting, these signals do not kill the process; after it, their handling is the caller's again.
 * @example
 * const guard = await interruptibleLoad(context, (signal) => createGuard({ ... }));
 */
export function interruptibleLoad<T>(
  context: CliContext,
  load: (signal: AbortSignal) => Promise<T>,
  dispose: (value: T) => unknown = () => {},
): Promise<T> {
  const stop = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const names = Object.keys(stopSignals) as StopSignal[];
    const handlers = names.map((name) => [name, () => interrupt(name)] as const);
    const onAbort = () => interrupt('SIGINT');
    const off = () => {
      for (const [name, handler] of handlers) process.off(name, handler);
      context.signal?.removeEventListener('abort', onAbort);
    };
    let loading: Promise<T> | undefined;
    function interrupt(name: StopSignal) {
      // Removed after this signal's other listeners ran: signal-exit (loaded by a dependency)
      // re-raises the signal, killing the process, when it finds itself the only listener left.
      setImmediate(off);
      abandoned++;
      stop.abort(new LoadInterruptedError(name));
      (loading ?? Promise.resolve(undefined))
        .then(
          (value) => value !== undefined && dispose(value as T),
          () => {},
        )
        .finally(() => abandoned--);
      reject(new LoadInterruptedError(name));
    }
    // Listening before the load starts: a signal sent as soon as the load shows is caught.
    for (const [name, handler] of handlers) process.on(name, handler);
    context.signal?.addEventListener('abort', onAbort, { once: true });
    if (context.signal?.aborted) return onAbort();
    loading = load(stop.signal);
    loading.then(
      (value) => {
        off();
        resolve(value);
      },
      (error: unknown) => {
        off();
        reject(error);
      },
    );
  });
}
