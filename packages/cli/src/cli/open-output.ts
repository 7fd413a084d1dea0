import { open } from 'node:fs/promises';
import type { CliOutput } from './io.js';
import { UsageError } from './usage-error.js';

/** A report destination: write, then `close()` to flush. */
export interface ReportOutput {
  write(chunk: string): unknown;
  close(): Promise<void>;
  /** True when the report goes to a terminal. */
  isTTY: boolean;
}

/**
 * Opens `--output FILE` (appending with `--resume`), or wraps stdout when no file is given.
 * @throws UsageError when the file cannot be opened for writing.
 */
export async function openOutput(
  file: string | undefined,
  stdout: CliOutput,
  append: boolean,
): Promise<ReportOutput> {
  if (file === undefined)
    return { write: (chunk) => stdout.write(chunk), close: async () => {}, isTTY: stdout.isTTY === true };
  const handle = await open(file, append ? 'a' : 'w').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--output: cannot write '${file}': ${error.code ?? error.message}`);
  });
  const stream = handle.createWriteStream();
  return {
    write: (chunk) => stream.write(chunk),
    close: () =>
      new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      }),
    isTTY: false,
  };
}
