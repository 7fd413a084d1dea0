import type { CliContext } from '../context/cli-context.js';

/** The process's own streams. */
export function processContext(): CliContext {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
