import { removeOwned } from './remove-owned.js';

/** Signals whose default action ends the process without running `exit` listeners. */
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Marks listeners that only clean up and step aside for the application (every copy of Vigil). */
const cleanupOnly = Symbol.for('vigil.exit-cleanup');
const live = new Set<string>();

/**
 * Removes `directory` (with {@link removeOwned}) when the process ends first: on `exit`, and on
 * SIGINT, SIGTERM and SIGHUP when the application has no handler of its own for that signal.
 * Then the files are removed at once and the signal is raised again, so the process ends as the
 * signal's default action ends it (killed by the signal: 128 + n to a shell). When the
 * application handles the signal, ending the process is its decision: Vigil does nothing until
 * `exit`. Listeners that themselves only step aside for the application are not counted as
 * its handlers: `signal-exit` (v3 and v4, which node-llama-cpp's dependencies load) and those of
 * other copies of Vigil.
 */
export function removeAtExit(directory: string) {
  if (live.size === 0) listen();
  live.add(directory);
}

/** Undoes {@link removeAtExit} for `directory` (removed by its owner). */
export function forgetAtExit(directory: string) {
  live.delete(directory);
  if (live.size === 0) unlisten();
}

function removeAll() {
  for (const directory of live) removeOwned(directory);
  live.clear();
}

const onSignal = Object.assign(
  (signal: NodeJS.Signals) => {
    if (applicationListeners(signal) > 0) return;
    removeAll();
    unlisten();
    process.kill(process.pid, signal);
  },
  { [cleanupOnly]: true },
);

/**
 * Listeners of `signal` that belong to the application. Ours runs first (it is prepended), so it
 * sees a `process.once` handler before that handler removes itself.
 */
function applicationListeners(signal: NodeJS.Signals) {
  const others = process.listeners(signal).filter((listener) => !(cleanupOnly in listener));
  return others.length - signalExitListeners();
}

/**
 * How many `signal-exit` listeners are installed on each signal: each loaded copy counts itself
 * in a global (v3: `process.__signal_exit_emitter__.count`; v4: the emitter under
 * `Symbol.for('signal-exit emitter')`), and each steps aside while any other listener exists.
 */
function signalExitListeners() {
  const v3 = (process as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  const v4 = (globalThis as { [key: symbol]: { count?: unknown } | undefined })[
    Symbol.for('signal-exit emitter')
  ];
  return countOf(v3) + countOf(v4);
}

function countOf(emitter: { count?: unknown } | undefined) {
  const count = emitter?.count;
  return typeof count === 'number' && count > 0 ? count : 0;
}

function listen() {
  process.on('exit', removeAll);
  for (const signal of signals) process.prependListener(signal, onSignal);
}

function unlisten() {
  process.removeListener('exit', removeAll);
  for (const signal of signals) process.removeListener(signal, onSignal);
}
