import { VigilError } from '@vigil/guard-core';
import { evalCommand } from '../commands/eval/eval-command.js';
import { serveCommand } from '../commands/serve/serve-command.js';
import { auditCommand } from '../commands/audit/audit-command.js';
import { classifyCommand } from '../commands/classify/classify-command.js';
import { cliMessage } from '../output/cli-message.js';
import { mainHelp } from '../flags/help.js';
import { type CliContext, processContext } from '../context/cli-context.js';
import { modelsCommand } from '../commands/models/models-command.js';
import { LoadInterruptedError } from './signals.js';
import { UsageError } from '../context/usage-error.js';
import { readVersion } from '../output/version.js';

const commands: Record<string, (args: string[], context: CliContext) => Promise<number>> = {
  classify: classifyCommand,
  audit: auditCommand,
  models: modelsCommand,
  serve: serveCommand,
  eval: evalCommand,
};

/**
 * Runs the `vigil` command line and returns its exit code (it never calls `process.exit`).
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(args: string[], context: CliContext = processContext()): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? context.stderr : context.stdout).write(mainHelp);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    context.stdout.write(`${readVersion()}\n`);
    return 0;
  }
  const run = commands[command];
  try {
    if (!run)
      throw new UsageError(`unknown command '${command}'; expected classify, audit, eval, serve or models`);
    return await run(rest, context);
  } catch (error) {
    if (error instanceof LoadInterruptedError) {
      context.stderr.write(`vigil ${command}: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof UsageError) {
      const name = run ? `vigil ${command}` : 'vigil';
      const prefix = error.message.startsWith('vigil') ? '' : `${name}: `;
      context.stderr.write(`${prefix}${error.message}\nRun '${name} --help' for usage.\n`);
      return 2;
    }
    if (VigilError.isInstance(error)) {
      context.stderr.write(`vigil ${command}: ${cliMessage(error.message)}\n`);
      return 2;
    }
    context.stderr.write(
      `vigil ${command}: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    return 2;
  }
}
