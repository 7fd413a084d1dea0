import type { GuardEngine } from '@vigil/guard-core';

/** A stream the CLI writes to. */
export interface CliOutput {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** What a command runs against: the process's streams, or test doubles. */
export interface CliContext {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: AsyncIterable<string | Buffer> & { isTTY?: boolean | undefined };
  env: Record<string, string | undefined>;
  /** An engine instead of a local model (tests use a scripted one, maybe still loading). Defaults to the local engine. */
  engine?: GuardEngine | PromiseLike<GuardEngine> | undefined;
  /** Stops a running audit like Ctrl-C (tests). The CLI wires SIGINT to it. */
  signal?: AbortSignal | undefined;
}

/** The process's own streams. */
export function processContext(): CliContext {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
