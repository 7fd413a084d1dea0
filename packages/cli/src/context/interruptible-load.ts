import type { CommandContext } from './cli-context.js';
import { type StopSignal, stopSignals } from './exit-codes.js';

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

/**
 * Awaits a load (a model, a download) that a SIGINT, SIGTERM or SIGHUP, or `context.signal`
 * (tests; taken as SIGINT), interrupts: the promise then rejects at once with a
 * {@link LoadInterruptedError}, and whatever loads anyway is disposed when it arrives (the
 * process does not wait for it). While waiting, these signals do not kill the process; after it,
 * their handling is the caller's again.
 * @example
 * const guard = await interruptibleLoad(context, (signal) => createGuard({ ... }));
 */
export function interruptibleLoad<T>(
  context: CommandContext,
  load: (signal: AbortSignal) => Promise<T>,
  dispose: (value: T) => unknown = () => {},
): Promise<T> {
  const stop = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => interrupt('SIGINT');
    let stopListening = () => {};
    const off = () => {
      stopListening();
      context.signal?.removeEventListener('abort', onAbort);
    };
    let loading: Promise<T> | undefined;
    function interrupt(name: StopSignal) {
      // Removed after this signal's other listeners ran: signal-exit (loaded by a dependency)
      // re-raises the signal, killing the process, when it finds itself the only listener left.
      setImmediate(off);
      stop.abort(new LoadInterruptedError(name));
      context.signals.abandon(
        (loading ?? Promise.resolve(undefined)).then(
          (value) => value !== undefined && dispose(value as T),
          () => {},
        ),
      );
      reject(new LoadInterruptedError(name));
    }
    // Listening before the load starts: a signal sent as soon as the load shows is caught.
    stopListening = context.signals.listen(interrupt);
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
