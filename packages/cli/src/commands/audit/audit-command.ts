import { realpath } from 'node:fs/promises';
import { VigilError } from '@vigil/guard-core';
import type { CommandContext } from '../../context/cli-context.js';
import { type StopSignal, stopSignals } from '../../context/exit-codes.js';
import { UsageError } from '../../context/usage-error.js';
import { type FlagValues, parseFlags } from '../../flags/flag-table.js';
import { guardOptionsFromFlags } from '../../flags/guard-flags.js';
import { openGuard } from '../../flags/open-guard.js';
import { cliMessage } from '../../output/cli-message.js';
import { modelName } from '../../output/model-name.js';
import { checkOutputTarget, openOutput, writeErrorMessage } from '../../output/open-output.js';
import { createProgressDisplay, type ProgressDisplay } from '../../output/progress.js';
import { readVersion } from '../../output/version.js';
import { expandPaths } from '../../transcripts/expand-paths.js';
import type { SkippedLink, TranscriptSource } from '../../transcripts/transcript-types.js';
import { auditFlags, auditHelp } from './audit-flags.js';
import type { AuditSummary } from './audit-types.js';
import { createReporter, formatFromExtension, type ReportFormat } from './create-reporter.js';
import { auditExitCode } from './exit-code.js';
import { printable, sortedCategories } from './reporter.js';
import { loadResume, type ResumeState } from './resume.js';
import { type AuditOutcome, runAudit } from './run-audit.js';

type AuditValues = FlagValues<typeof auditFlags>;

function summaryLine(summary: AuditSummary) {
  const categories = sortedCategories(summary).map(([code, count]) => `${code} ${count}`);
  const flagged = `${summary.flagged} flagged${categories.length > 0 ? ` (${categories.join(', ')})` : ''}`;
  return `vigil: ${summary.files} files, ${summary.conversations} conversations, ${summary.turnsChecked} turns checked, ${flagged}, ${summary.errors} errors${summary.interrupted ? ' (interrupted: partial report)' : ''}`;
}

/** What the command line asks for, checked before any model is loaded. */
interface AuditPlan {
  values: AuditValues;
  format: ReportFormat;
  sources: TranscriptSource[];
  skippedLinks: SkippedLink[];
  /** Files no output may overwrite: the inputs and the policy file. */
  protect: Set<string>;
  resume: ResumeState | undefined;
  concurrency: number;
}

async function planAudit(values: AuditValues, positionals: string[], context: CommandContext) {
  if (positionals.length === 0)
    throw new UsageError('expected at least one PATH (a file, directory, glob or -)');
  const format =
    values.format ??
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
  const plan: AuditPlan = {
    values,
    format,
    sources,
    skippedLinks,
    protect,
    resume,
    concurrency: options.concurrency,
  };
  return { plan, options };
}

/** The lines on stderr after the report: the summary, what was written, why the run stopped, the errors. */
function reportEnd(
  plan: AuditPlan,
  outcome: AuditOutcome,
  writeError: Error | undefined,
  signal: StopSignal | undefined,
  context: CommandContext,
) {
  const { values, format, resume } = plan;
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
  const maxErrors = values['max-errors'];
  if (errors > 0 && errors <= maxErrors) {
    context.stderr.write(`vigil: ${errors} errors, tolerated by --max-errors ${maxErrors}\n`);
  } else if (errors > 0 && !signal) {
    context.stderr.write(
      `vigil: ${errors} records or turns were not checked (exit 2; --max-errors N tolerates N)\n`,
    );
  }
}

/**
 * Runs a planned audit with a loaded guard and writes its report. The first stop signal (or
 * `context.signal`) stops the run and the partial report is written; a second one, or one after
 * the output failed, quits at once.
 */
async function runAndReport(
  plan: AuditPlan,
  guard: Awaited<ReturnType<typeof openGuard>>,
  progress: ProgressDisplay,
  startedAt: string,
  context: CommandContext,
) {
  const { values, format, protect, resume } = plan;
  const stop = new AbortController();
  let signal: StopSignal | undefined;
  const stopListening = context.signals.listen((name) => {
    if (stop.signal.aborted) return context.signals.quit(stopSignals[name]);
    signal = name;
    progress.log(`vigil: ${name}: stopping; writing the partial report (again to quit at once)`);
    stop.abort();
  });
  try {
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
        categoryName: (code) => guard.policy.known.get(code)?.name ?? code,
        run: { model: modelName(guard.model.id), policy: values.policy ?? null, startedAt },
      },
      { onlyFlagged: values['only-flagged'] === true },
    );
    const outcome = await runAudit({
      guard,
      sources: plan.sources,
      skippedLinks: plan.skippedLinks,
      inputFormat: values['input-format'],
      everyTurn: values['every-turn'],
      role: values.role,
      concurrency: plan.concurrency,
      signal: stop.signal,
      done: resume?.done,
      summary: resume?.summary,
      onResult: (result) => reporter.result(result),
      onProblem: (found) => {
        // Library advice reworded with the flags that exist here (--context-size, not contextSize).
        const problem = { ...found, reason: cliMessage(found.reason) };
        reporter.problem(problem);
        const turn = problem.turn === null ? '' : ` (turn ${problem.turn})`;
        progress.log(`${printable(problem.file)}:${problem.line}${turn}: ${printable(problem.reason)}`);
      },
      onProgress: ({ summary, bytesDone, bytesTotal }) =>
        progress.update({
          conversations: summary.conversations,
          flagged: summary.flagged,
          bytesDone,
          bytesTotal,
        }),
    });
    progress.done();
    reporter.finish(outcome.summary);
    const writeError = await output.commit();
    reportEnd(plan, outcome, writeError, signal, context);
    return auditExitCode({
      summary: outcome.summary,
      failed: writeError !== undefined || outcome.error !== undefined,
      signal,
      maxErrors: values['max-errors'],
      noFail: values['no-fail'],
    });
  } finally {
    stopListening();
  }
}

/**
 * `vigil audit PATH...`: checks transcripts and writes a report.
 * @returns the exit code (see `auditExitCode`): 0 clean, 1 flagged, 2 errors or a failure,
 * 128 + the signal's number when stopped by SIGHUP, SIGINT or SIGTERM.
 */
export async function auditCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil audit', args, auditFlags);
  if (values.help) {
    context.stdout.write(auditHelp);
    return 0;
  }
  const { plan, options } = await planAudit(values, positionals, context);
  const progress = createProgressDisplay({ stream: context.stderr, enabled: !values['no-progress'] });
  if (plan.resume && plan.resume.reported > 0) {
    progress.log(
      `vigil: resuming ${values.output}: ${plan.resume.reported} results and errors already reported`,
    );
  }
  const startedAt = new Date().toISOString();
  // A signal during the model load stops the command with nothing written (see openGuard); from
  // the load on, it stops the run and the partial report is written.
  const guard = await openGuard(context, options, { verbose: values.verbose });
  try {
    return await runAndReport(plan, guard, progress, startedAt, context);
  } finally {
    await guard.dispose();
  }
}
