import type { CliContext } from '../context/cli-context.js';
import { runCli } from './main.js';
import { processContext } from './process-context.js';
import { abandonedWork } from './signals.js';

/**
 * Runs `vigil` as the process: the command line, its streams, and its exit code. A reader
 * closing stdout early (`| head`) never crashes the process with an unhandled `'error'`: the
 * command ends with the code it earned; another stdout error is reported and exits 2. After a
 * signal stopped a model load (or a second signal quit a run), the process exits at once rather
 * than wait for the work left.
 * `overrides` replaces parts of the context (a test entry passes a scripted engine).
 * @example
 * await runProcess(); // bin/vigil.js
 */
export async function runProcess(
  args: string[] = process.argv.slice(2),
  overrides: Partial<CliContext> = {},
): Promise<void> {
  let stdoutError: Error | undefined;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') stdoutError ??= error;
  });
  const code = await runCli(args, { ...processContext(), ...overrides });
  // `vigil audit` reports its own write errors (and exits 2); any other command's are said here.
  if (stdoutError && code !== 2)
    process.stderr.write(`vigil: cannot write to stdout: ${stdoutError.message}\n`);
  process.exitCode = stdoutError ? 2 : code;
  // A signal stopped a model load that native code is still finishing, or a second signal quit
  // a run at once: do not wait for what still runs. The only `process.exit` of the CLI.
  if (abandonedWork()) process.exit();
}
