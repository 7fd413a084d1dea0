import { realpath } from 'node:fs/promises';
import { VigilError } from '@vigil/guard-core';
import type { AuditSummary } from './audit-types.js';
import { createReporter, formatFromExtension, reportFormats } from './create-reporter.js';
import { auditExitCode, type StopSignal, stopSignals } from './exit-code.js';
import { createProgressDisplay } from '../../output/progress.js';
import { printable, sortedCategories } from './reporter.js';
import { loadResume } from './resume.js';
import { runAudit } from './run-audit.js';
import { expandPaths } from '../../transcripts/expand-paths.js';
import { inputFormats, type SkippedLink } from '../../transcripts/transcript-types.js';
import { cliMessage } from '../../output/cli-message.js';
import { guardFlags, guardOptionsFromFlags, openGuard } from '../../flags/guard-flags.js';
import { auditHelp } from '../../flags/help.js';
import type { CliContext } from '../../context/cli-context.js';
import { modelName } from '../../output/model-name.js';
import { checkOutputTarget, openOutput, writeErrorMessage } from '../../output/open-output.js';
import { choiceFlag, integerFlag, parseFlags } from '../../flags/parse-flags.js';
import { UsageError } from '../../context/usage-error.js';
import { readVersion } from '../../output/version.js';

const flags = {
  ...guardFlags,
  'input-format': { type: 'string' },
  'every-turn': { type: 'boolean' },
  role: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  'only-flagged': { type: 'boolean' },
  resume: { type: 'boolean' },
  'no-fail': { type: 'boolean' },
  'max-errors': { type: 'string' },
  'no-progress': { type: 'boolean' },
  'follow-symlinks': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function summaryLine(summary: AuditSummary) {
  const categories = sortedCategories(summary).map(([code, count]) => `${code} ${count}`);
  const flagged = `${summary.flagged} flagged${categories.length > 0 ? ` (${categories.join(', ')})` : ''}`;
  return `vigil: ${summary.files} files, ${summary.conversations} conversations, ${summary.turnsChecked} turns checked, ${flagged}, ${summary.errors} errors${summary.interrupted ? ' (interrupted: partial report)' : ''}`;
}

/**
 * `vigil audit PATH...`: checks transcripts and writes a report.
 * @returns the exit code (see `auditExitCode`): 0 clean, 1 flagged, 2 errors or a failure,
 * 128 + the signal's number when stopped by SIGHUP, SIGINT or SIGTERM.
 */
export async function auditCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil audit', args, flags);
  if (values.help) {
    context.stdout.write(auditHelp);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError('expected at least one PATH (a file, directory, glob or -)');
  const inputFormat = choiceFlag('input-format', values['input-format'], inputFormats);
  const role = choiceFlag('role', values.role, ['user', 'assistant'] as const);
  const maxErrors = integerFlag('max-errors', values['max-errors'], 0) ?? 0;
  const format =
    choiceFlag('format', values.format, reportFormats) ??
    (values.output
      ? (formatFromExtension(values.output) ?? 'json')
      : context.stdout.isTTY
        ? 'table'
        : 'json');
  if (values.resume && (format !== 'jsonl' || !values.output)) {
    throw new UsageError('--resume: expected --format jsonl and --output FILE (the report to continue)');
  }
  const options = await guardOptionsFromFlags(values, context.env);
  const skippedLinks: SkippedLink[] = [];
  const sources = await expandPaths(positionals, {
    followSymlinks: values['follow-symlinks'],
    onSkippedLink: (link) => skippedLinks.push(link),
  }).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  const protect = new Set(sources.map((source) => source.realPath));
  if (values.policy) protect.add(await realpath(values.policy));
  if (values.output) await checkOutputTarget(values.output, protect);
  const resume = values.resume && values.output ? await loadResume(values.output) : undefined;
  const progress = createProgressDisplay({ stream: context.stderr, enabled: !values['no-progress'] });
  if (resume && resume.reported > 0) {
    progress.log(`vigil: resuming ${values.output}: ${resume.reported} results and errors already reported`);
  }
  const startedAt = new Date().toISOString();
  // A signal during the model load stops the command with nothing written (see openGuard); from
  // the load on, it stops the run and the partial report is written.
  const guard = await openGuard(context, options, { verbose: values.verbose });
  const stop = new AbortController();
  let signal: StopSignal | undefined;
  const handlers = (Object.keys(stopSignals) as StopSignal[]).map((name) => {
    const handler = () => {
      if (stop.signal.aborted) process.exit(stopSignals[name]);
      signal = name;
      progress.log(`vigil: ${name}: stopping; writing the partial report (again to quit at once)`);
      stop.abort();
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  try {
    const policy = guard.policy;
    const output = await openOutput({
      file: values.output,
      stdout: context.stdout,
      append: values.resume === true,
      streamed: format === 'jsonl',
      protect,
      onFailure: () => stop.abort(),
    });
    const onAbort = () => {
      signal ??= 'SIGINT';
      stop.abort();
    };
    if (context.signal?.aborted) onAbort();
    else context.signal?.addEventListener('abort', onAbort, { once: true });
    const reporter = createReporter(
      format,
      {
        sink: output,
        color: output.isTTY && !context.env.NO_COLOR,
        version: readVersion(),
        categoryName: (code) => policy.known.get(code)?.name ?? code,
        run: { model: modelName(guard.model.id), policy: values.policy ?? null, startedAt },
      },
      { onlyFlagged: values['only-flagged'] === true },
    );
    const outcome = await runAudit({
      guard,
      sources,
      skippedLinks,
      inputFormat,
      everyTurn: values['every-turn'],
      role,
      concurrency: options.concurrency,
      signal: stop.signal,
      done: resume?.done,
      summary: resume?.summary,
      onResult: (result) => reporter.result(result),
      onProblem: (found) => {
        // Library advice reworded with the flags that exist here (--context-size, not contextSize).
        const problem = { ...found, reason: cliMessage(found.reason) };
        reporter.problem(problem);
        const turn = problem.turn === null ? '' : ` (turn ${problem.turn})`;
        progress.log(
          `${printable(problem.file)}:${problem.line}${turn}: ${printable(cliMessage(problem.reason))}`,
        );
      },
      onProgress: (state) => progress.update(state),
    });
    progress.done();
    reporter.finish(outcome.summary);
    const writeError = await output.commit();
    if (format !== 'table' || values.output) context.stderr.write(`${summaryLine(outcome.summary)}\n`);
    if (resume && outcome.skipped > 0) {
      context.stderr.write(
        `vigil: --resume skipped ${outcome.skipped} turns and errors already in ${values.output}\n`,
      );
    }
    if (values.output && !writeError) context.stderr.write(`vigil: wrote ${values.output} (${format})\n`);
    if (writeError) context.stderr.write(`vigil audit: ${writeErrorMessage(values.output, writeError)}\n`);
    if (outcome.error !== undefined) {
      const message = VigilError.isInstance(outcome.error) ? outcome.error.message : String(outcome.error);
      context.stderr.write(`vigil audit: stopped: ${cliMessage(message)}\n`);
    }
    const errors = outcome.summary.errors;
    if (errors > 0 && errors <= maxErrors) {
      context.stderr.write(`vigil: ${errors} errors, tolerated by --max-errors ${maxErrors}\n`);
    } else if (errors > 0 && !signal) {
      context.stderr.write(
        `vigil: ${errors} records or turns were not checked (exit 2; --max-errors N tolerates N)\n`,
      );
    }
    return auditExitCode({
      summary: outcome.summary,
      failed: writeError !== undefined || outcome.error !== undefined,
      signal,
      maxErrors,
      noFail: values['no-fail'],
    });
  } finally {
    for (const off of handlers) off();
    await guard.dispose();
  }
}
