import { lstatSync, mkdirSync, mkdtempSync, readdirSync, type Stats, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forgetAtExit, removeAtExit } from './exit-cleanup.js';
import { currentUid, ownedByCurrentUser, removeOwned } from './remove-owned.js';

/** The current user's name for a directory in a shared base (`vigil-<uid>`). */
const userName = `vigil-${currentUid ?? 'user'}`;
/** Per-engine directories (in the user's directory): `<pid>-XXXXXX`. */
const enginePattern = /^(\d+)-/;
/** Leftovers in the base: a process's own private directory, and the layout before issue 24. */
const leftoverPattern = new RegExp(`^(?:${userName}-|vigil-state-)(\\d+)-`);

/**
 * Where state files go: `XDG_RUNTIME_DIR` when it is a private directory of the current user (a
 * real directory it owns that no one else may write), else `/dev/shm` (RAM) when it has room and
 * keeps others from removing what is not theirs (the sticky bit), else the OS temporary directory.
 */
export function stateBaseDirectory(environment: NodeJS.ProcessEnv = process.env) {
  const runtime = environment.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime) && isPrivate(lstatOrUndefined(runtime), 0o022)) return runtime;
  const shared = lstatOrUndefined('/dev/shm');
  try {
    if (shared?.isDirectory() && isSafeShared(shared) && statfsSync('/dev/shm').bavail > 0) return '/dev/shm';
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
 * A private directory for the state files of one engine: `<base>/vigil-<uid>/<pid>-XXXXXX`, where
 * `vigil-<uid>` is the current user's, made with mode 0700 and checked (a real directory, owned by
 * the current user, no access for others) before use. When that name is taken by anything else
 * (another user's directory, a link), the engine gets a fresh private directory
 * `<base>/vigil-<uid>-<pid>-XXXXXX` instead, with a one-line warning. The engine's directory is
 * removed by `dispose()` and, if the process ends first, as {@link removeAtExit} says. Directories
 * left by the current user's processes that died without either (SIGKILL, a crash) are removed
 * when the next one is made; anything another user owns is left alone, and no link is followed.
 */
export class StateDirectory {
  readonly path: string;
  #disposed = false;

  constructor(base = stateBaseDirectory()) {
    removeLeftovers(base, leftoverPattern);
    const parent = path.join(base, userName);
    if (userDirectory(parent)) {
      removeLeftovers(parent, enginePattern);
      this.path = privateDirectory(mkdtempSync(path.join(parent, `${process.pid}-`)));
    } else {
      this.path = privateDirectory(mkdtempSync(path.join(base, `${userName}-${process.pid}-`)));
      warnOnce(
        `${parent} is not a private directory of this user: Vigil's state files go to ${this.path} instead`,
      );
    }
    removeAtExit(this.path);
  }

  /** Removes the directory and its files. Idempotent. */
  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    forgetAtExit(this.path);
    removeOwned(this.path);
  }
}

let warned = false;
function warnOnce(message: string) {
  if (warned) return;
  warned = true;
  process.emitWarning(message, { code: 'VIGIL_STATE_DIRECTORY' });
}

/** Makes `directory` (mode 0700) or checks the one found; false when it is not the user's own. */
function userDirectory(directory: string) {
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return isPrivate(lstatOrUndefined(directory), 0o077);
}

/** `directory`, just made by `mkdtemp`, once checked to be private (else an error). */
function privateDirectory(directory: string) {
  if (!isPrivate(lstatOrUndefined(directory), 0o077)) {
    throw new Error(`state directory ${directory}: expected a private directory of uid ${currentUid}`);
  }
  return directory;
}

/** A real directory (not a link) of the current user, with none of `forbidden`'s mode bits. */
function isPrivate(stats: Stats | undefined, forbidden: number) {
  return (
    stats?.isDirectory() === true &&
    ownedByCurrentUser(stats) &&
    (currentUid === undefined || (stats.mode & forbidden) === 0)
  );
}

/** A shared directory where others cannot remove or rename what is not theirs. */
function isSafeShared(stats: Stats) {
  return (stats.mode & 0o002) === 0 || (stats.mode & 0o1000) !== 0;
}

function lstatOrUndefined(target: string) {
  try {
    return lstatSync(target);
  } catch {
    return undefined;
  }
}

/** Removes entries in `directory` named by `pattern` for a process no longer running. */
function removeLeftovers(directory: string, pattern: RegExp) {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    removeOwned(path.join(directory, name));
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
