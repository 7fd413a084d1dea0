import { randomBytes } from 'node:crypto';
import { constants, fstat, type Stats, unlinkSync, type WriteStream } from 'node:fs';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CliOutput } from '../context/cli-context.js';
import { UsageError } from '../context/usage-error.js';

/** A report destination: write, then `commit()` to flush (and move a temporary file into place). */
export interface ReportOutput {
  /** Writes a chunk; after a failure or a closed stdout, writes are dropped. */
  write(chunk: string): void;
  /** Flushes and puts the report in place. @returns the write error, if any happened. */
  commit(): Promise<Error | undefined>;
  /** Removes a temporary file, leaving any earlier report as it was (after a failure). */
  discard(): Promise<void>;
  /** True when the report goes to a terminal. */
  isTTY: boolean;
  /** The first write error (not a closed stdout), once one happened. */
  readonly error: Error | undefined;
  /** True once the reader closed stdout (`| head`). */
  readonly closed: boolean;
}

export interface OpenOutputOptions {
  /** `--output FILE`, or `undefined` for stdout. */
  file: string | undefined;
  stdout: CliOutput;
  /** Append (`--resume`) instead of replacing. */
  append: boolean;
  /** Write straight into the file as the report goes (jsonl), not to a temporary file renamed at the end. */
  streamed: boolean;
  /** Real paths the output must not be (the inputs, the policy file). */
  protect: ReadonlySet<string>;
  /** Called once, at the first write error or when stdout is closed. */
  onFailure?: (() => void) | undefined;
}

const fstatAsync = promisify(fstat);

/** Temporary files to remove if the process exits at once (a second Ctrl-C). */
const temporaryFiles = new Set<string>();
let exitHookInstalled = false;

function describeError(error: NodeJS.ErrnoException) {
  return error.message.replace(/, (write|open|close|rename) .*$|, (write|open|close|rename)$/, '');
}

/** The real path a file has or would have (its directory resolved), for comparing with the inputs. */
async function realTarget(file: string) {
  const whole = await realpath(file).catch(() => undefined);
  if (whole) return whole;
  const directory = await realpath(path.dirname(file)).catch(() => path.resolve(path.dirname(file)));
  return path.join(directory, path.basename(file));
}

const sameFile = (a: Pick<Stats, 'dev' | 'ino'>, b: Pick<Stats, 'dev' | 'ino'>) =>
  a.dev === b.dev && a.ino === b.ino;

/** The device and inode of each protected regular file (a hard link shares them); `-` is stdin's. */
async function identities(protect: ReadonlySet<string>) {
  const found = await Promise.all(
    [...protect].map((file) => (file === '-' ? fstatAsync(0) : stat(file)).catch(() => undefined)),
  );
  // Only a regular file can lose its bytes (stdin may be /dev/null, and so may the output).
  return found.filter((info) => info?.isFile() === true) as Stats[];
}

function refused(file: string): UsageError {
  return new UsageError(
    `--output: expected a file that is not one of the inputs, received '${file}' (nothing was written)`,
  );
}

/**
 * Refuses an output path that is one of `protect` (the inputs' real paths), however it is spelled:
 * the same real path, or the same file by device and inode (a hard link, a bind mount, a symlink).
 * @throws UsageError naming the file.
 */
export async function checkOutputTarget(file: string, protect: ReadonlySet<string>) {
  if (protect.has(await realTarget(file))) throw refused(file);
  const info = await stat(file).catch(() => undefined);
  if (info && (await identities(protect)).some((input) => sameFile(input, info))) throw refused(file);
}

/**
 * Opens `--output FILE` or wraps stdout. A file that is one of the inputs (by real path, or by
 * device and inode: a hard link) is refused before anything is written or truncated. A regular file is written to a temporary file beside it
 * and renamed into place by `commit()`, so an earlier report survives a crash, unless the report
 * is `streamed` (jsonl, which `--resume` continues). Write errors (ENOSPC, EIO) are caught, never
 * thrown as an unhandled `'error'`; a closed stdout (EPIPE) is quiet.
 * @throws UsageError when the file is an input or cannot be opened for writing.
 */
export async function openOutput(options: OpenOutputOptions): Promise<ReportOutput> {
  let error: Error | undefined;
  let closed = false;
  const fail = (reason: Error | undefined) => {
    if (error || closed) return;
    if (reason) error = reason;
    else closed = true;
    options.onFailure?.();
  };
  const { file, stdout } = options;
  if (file === undefined) {
    const emitter = stdout as CliOutput & {
      on?: (event: 'error', listener: (error: NodeJS.ErrnoException) => void) => void;
    };
    emitter.on?.('error', (reason) => fail(reason.code === 'EPIPE' ? undefined : reason));
    return {
      write: (chunk) => {
        if (error || closed) return;
        try {
          stdout.write(chunk);
        } catch (reason) {
          fail((reason as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : (reason as Error));
        }
      },
      commit: async () => error,
      discard: async () => {},
      isTTY: stdout.isTTY === true,
      get error() {
        return error;
      },
      get closed() {
        return closed;
      },
    };
  }
  await checkOutputTarget(file, options.protect);
  const info = await stat(file).catch(() => undefined);
  const direct = options.streamed || (info !== undefined && !info.isFile());
  const temporary = direct
    ? undefined
    : path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.vigil-tmp`);
  // Opened without truncating; the file opened is checked again (by device and inode) before it
  // is cut, so an input swapped in after the check above is never truncated.
  const flags = temporary
    ? 'wx'
    : constants.O_WRONLY | constants.O_CREAT | (options.append ? constants.O_APPEND : 0);
  const handle = await open(temporary ?? file, flags).catch((reason: NodeJS.ErrnoException) => {
    throw new UsageError(`--output: cannot write '${file}': ${describeError(reason)}`);
  });
  if (!temporary) {
    const opened = await handle.stat();
    if ((await identities(options.protect)).some((input) => sameFile(input, opened))) {
      await handle.close();
      throw refused(file);
    }
    if (!options.append && opened.isFile()) await handle.truncate(0);
  }
  if (temporary) {
    temporaryFiles.add(temporary);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const leftover of temporaryFiles) {
          try {
            unlinkSync(leftover);
          } catch {}
        }
      });
    }
  }
  const stream: WriteStream = handle.createWriteStream();
  stream.on('error', (reason) => fail(reason));
  // Settled at 'close', which comes after any 'error' (a destroyed stream may still owe its 'error').
  const ended = () =>
    new Promise<void>((resolve) => {
      if (stream.closed) return resolve();
      stream.once('close', () => resolve());
      if (!stream.destroyed) stream.end();
    });
  const remove = async () => {
    if (!temporary) return;
    temporaryFiles.delete(temporary);
    await unlink(temporary).catch(() => undefined);
  };
  return {
    write: (chunk) => {
      if (!error) stream.write(chunk);
    },
    async commit() {
      await ended();
      if (error) {
        await remove();
        return error;
      }
      if (temporary) {
        try {
          await rename(temporary, file);
          temporaryFiles.delete(temporary);
        } catch (reason) {
          await remove();
          return reason as Error;
        }
      }
      return undefined;
    },
    async discard() {
      await ended();
      await remove();
    },
    isTTY: false,
    get error() {
      return error;
    },
    get closed() {
      return closed;
    },
  };
}

/** "cannot write the report to 'x': ENOSPC: no space left on device". */
export function writeErrorMessage(file: string | undefined, error: Error) {
  return `cannot write the report to ${file === undefined ? 'stdout' : `'${file}'`}: ${describeError(error)}`;
}
