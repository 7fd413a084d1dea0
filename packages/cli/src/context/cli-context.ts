import type { GuardEngine } from '@vigil/guard-core';
import type { StopSignal } from './exit-codes.js';

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

/**
 * The stop signals (SIGINT, SIGTERM, SIGHUP) as the shell hands them to a command: commands
 * never touch `process` themselves.
 */
export interface StopSignals {
  /**
   * Calls `onStop` with the signal's name for each of `names` that arrives (all three by
   * default) until the returned function is called; while listening, they do not kill the process.
   */
  listen(onStop: (signal: StopSignal) => void, names?: readonly StopSignal[]): () => void;
  /** Ends the command at once with `code`: the shell returns it without waiting for the command to finish. */
  quit(code: number): void;
  /** Work the command stopped waiting for (a model still loading): the process exits without waiting for it. */
  abandon(work: PromiseLike<unknown>): void;
}

/** What a command runs against: the context, and the stop signals from the shell. */
export interface CommandContext extends CliContext {
  signals: StopSignals;
}

/** A command: its arguments (after its name) in, its exit code out; it never exits the process. */
export type Command = (args: string[], context: CommandContext) => Promise<number>;
