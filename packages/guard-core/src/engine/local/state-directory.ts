import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const prefix = 'vigil-state-';
/** Signals whose default action ends the process without running `exit` listeners. */
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const live = new Set<string>();

/** A RAM-backed base directory (`/dev/shm`) when there is one, else the OS temporary directory. */
export function stateBaseDirectory() {
  try {
    if (existsSync('/dev/shm') && statfsSync('/dev/shm').bavail > 0) return '/dev/shm';
  } catch {}
  return os.tmpdir();
}

/** Bytes still free on the file system holding `directory` (Infinity when unknown). */
export function freeBytesAt(directory: string) {
  try {
    const stats = statfsSync(directory);
    return stats.bavail * stats.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * A private directory for the state files of one engine: `<base>/vigil-state-<pid>-XXXXXX`.
 * It is removed by `dispose()`, and, if the process ends first, on `exit` and on SIGINT, SIGTERM
 * and SIGHUP when nothing else listens to them (an application's own handler exits through
 * `exit`). Directories left by processes that died without either (SIGKILL, a crash) are removed
 * when the next one is created.
 */
export class StateDirectory {
  readonly path: string;
  #disposed = false;

  constructor(base = stateBaseDirectory()) {
    removeOrphans(base);
    this.path = mkdtempSync(path.join(base, `${prefix}${process.pid}-`));
    if (live.size === 0) listen();
    live.add(this.path);
  }

  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    live.delete(this.path);
    if (live.size === 0) unlisten();
    await rm(this.path, { recursive: true, force: true });
  }
}

function removeAll() {
  for (const directory of live) rmSync(directory, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals) {
  // Another listener means the application handles the signal (and exits through `exit`).
  if (process.listenerCount(signal) > 1) return;
  removeAll();
  unlisten();
  process.kill(process.pid, signal);
}

function listen() {
  process.on('exit', removeAll);
  for (const signal of signals) process.on(signal, onSignal);
}

function unlisten() {
  process.removeListener('exit', removeAll);
  for (const signal of signals) process.removeListener(signal, onSignal);
}

/** Removes the state directories of processes that no longer run. */
function removeOrphans(base: string) {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^vigil-state-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    rmSync(path.join(base, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
