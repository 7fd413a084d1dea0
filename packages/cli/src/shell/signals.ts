import type { StopSignals } from '../context/cli-context.js';
import { type StopSignal, stopSignals } from '../context/exit-codes.js';

/** Work a command stopped waiting for and that has not settled yet (the process exits without waiting for it). */
let abandoned = 0;

/** True while work a command abandoned still runs: the process should exit, not wait for it. */
export function abandonedWork() {
  return abandoned > 0;
}

/**
 * The process's SIGINT, SIGTERM and SIGHUP as commands see them (the only place the CLI
 * listens to process signals). `quit` ends the command at once with a code (`runCli` returns it).
 */
export function processStopSignals(quit: (code: number) => void): StopSignals {
  return {
    listen(onStop, names = Object.keys(stopSignals) as StopSignal[]) {
      const handlers = names.map((name) => [name, () => onStop(name)] as const);
      for (const [name, handler] of handlers) process.on(name, handler);
      return () => {
        for (const [name, handler] of handlers) process.off(name, handler);
      };
    },
    quit,
    abandon(work) {
      abandoned++;
      void Promise.resolve(work)
        .catch(() => {})
        .finally(() => abandoned--);
    },
  };
}
