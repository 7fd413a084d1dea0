import { VigilError } from '@vigil/guard-core';
import { auditCommand } from '../commands/audit/audit-command.js';
import { classifyCommand } from '../commands/classify/classify-command.js';
import { evalCommand } from '../commands/eval/eval-command.js';
import { modelsCommand } from '../commands/models/models-command.js';
import { serveCommand } from '../commands/serve/serve-command.js';
import type { CliContext, Command } from '../context/cli-context.js';
import { exitCodes } from '../context/exit-codes.js';
import { LoadInterruptedError } from '../context/interruptible-load.js';
import { UsageError } from '../context/usage-error.js';
import { cliMessage } from '../output/cli-message.js';
import { readVersion } from '../output/version.js';
import { mainHelp } from './main-help.js';
import { processContext } from './process-context.js';
import { processStopSignals } from './signals.js';

const commands: Record<string, Command> = {
  classify: classifyCommand,
  audit: auditCommand,
  models: modelsCommand,
  serve: serveCommand,
  eval: evalCommand,
};

/** What a failure a command threw prints on stderr, and the exit code it ends with. */
function failure(error: unknown, command: string, known: boolean, context: CliContext) {
  if (error instanceof LoadInterruptedError) {
    context.stderr.write(`vigil ${command}: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof UsageError) {
    const name = known ? `vigil ${command}` : 'vigil';
    const prefix = error.message.startsWith('vigil') ? '' : `${name}: `;
    context.stderr.write(`${prefix}${error.message}\nRun '${name} --help' for usage.\n`);
    return exitCodes.usage;
  }
  if (VigilError.isInstance(error)) {
    context.stderr.write(`vigil ${command}: ${cliMessage(error.message)}\n`);
    return exitCodes.failure;
  }
  context.stderr.write(`vigil ${command}: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
  return exitCodes.failure;
}

/**
 * Runs the `vigil` command line and returns its exit code (it never calls `process.exit`). A
 * command that quits at once (a second Ctrl-C) returns its code without waiting for the command.
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(args: string[], context: CliContext = processContext()): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? context.stderr : context.stdout).write(mainHelp);
    return command === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (command === '--version' || command === '-v') {
    context.stdout.write(`${readVersion()}\n`);
    return exitCodes.ok;
  }
  const run = commands[command];
  try {
    if (!run)
      throw new UsageError(`unknown command '${command}'; expected classify, audit, eval, serve or models`);
    let quitting = false;
    let quitWith: (code: number) => void = () => {};
    const quit = new Promise<number>((resolve) => (quitWith = resolve));
    const signals = processStopSignals((code) => {
      quitting = true;
      quitWith(code);
    });
    const running = run(rest, { ...context, signals });
    const code = await Promise.race([running, quit]);
    // Quit at once: the command still runs; the process does not wait for it.
    if (quitting) signals.abandon(running);
    return code;
  } catch (error) {
    return failure(error, command, run !== undefined, context);
  }
}
