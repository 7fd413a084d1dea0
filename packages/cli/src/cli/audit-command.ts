import { VigilError } from '@vigil/guard-core';
import type { AuditSummary } from '../audit/audit-types.js';
import { createReporter, formatFromExtension, reportFormats } from '../audit/create-reporter.js';
import { createProgressDisplay } from '../audit/progress.js';
import { sortedCategories } from '../audit/reporter.js';
import { loadResume } from '../audit/resume.js';
import { runAudit } from '../audit/run-audit.js';
import { expandPaths } from '../transcripts/expand-paths.js';
import { inputFormats } from '../transcripts/transcript-types.js';
import { guardFlags, guardOptionsFromFlags, openGuard } from './guard-flags.js';
import { auditHelp } from './help.js';
import type { CliContext } from './io.js';
import { openOutput } from './open-output.js';
import { choiceFlag, parseFlags } from './parse-flags.js';
import { UsageError } from './usage-error.js';
import { readVersion } from './version.js';

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
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function summaryLine(summary: AuditSummary) {
  const categories = sortedCategories(summary).map(([code, count]) => `${code} ${count}`);
  const flagged = `${summary.flagged} flagged${categories.length > 0 ? ` (${categories.join(', ')})` : ''}`;
  return `vigil: ${summary.files} files, ${summary.conversations} conversations, ${summary.turnsChecked} turns checked, ${flagged}, ${summary.errors} errors${summary.interrupted ? ' (interrupted: partial report)' : ''}`;
}

/**
 * `vigil audit PATH...`: checks transcripts and writes a report.
 * @returns the exit code: 0 nothing flagged, 1 flagged, 2 a failure stopped the run, 130 interrupted.
 */
export async function auditCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil audit', args, flags);
  if (values.help) {
    context.stdout.write(auditHelp);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError('vigil audit: expected at least one PATH (a file, directory, glob or -)');
  const inputFormat = choiceFlag('input-format', values['input-format'], inputFormats);
  const role = choiceFlag('role', values.role, ['user', 'assistant'] as const);
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
  const sources = await expandPaths(positionals).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  const resume = values.resume && values.output ? await loadResume(values.output) : undefined;
  const guard = await openGuard(context, options);
  const output = await openOutput(values.output, context.stdout, values.resume === true);
  const reporter = createReporter(
    format,
    {
      sink: output,
      color: output.isTTY && !context.env.NO_COLOR,
      version: readVersion(),
      categoryName: (code) => guard.policy.known.get(code)?.name ?? code,
    },
    { onlyFlagged: values['only-flagged'] === true },
  );
  const progress = createProgressDisplay({ stream: context.stderr, enabled: !values['no-progress'] });
  const stop = new AbortController();
  context.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    progress.log('vigil: interrupted; writing the partial report (Ctrl-C again to quit at once)');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await runAudit({
      guard,
      sources,
      inputFormat,
      everyTurn: values['every-turn'],
      role,
      concurrency: options.concurrency,
      signal: stop.signal,
      done: resume?.done,
      summary: resume?.summary,
      onResult: (result) => reporter.result(result),
      onProblem: (problem) => progress.log(`${problem.file}:${problem.line}: ${problem.message}`),
      onProgress: (state) => progress.update(state),
    });
    progress.done();
    reporter.finish(outcome.summary);
    await output.close();
    if (format !== 'table' || values.output) context.stderr.write(`${summaryLine(outcome.summary)}\n`);
    if (outcome.error !== undefined) {
      const message = VigilError.isInstance(outcome.error) ? outcome.error.message : String(outcome.error);
      context.stderr.write(`vigil audit: stopped: ${message}\n`);
      return 2;
    }
    if (outcome.summary.interrupted) return 130;
    return outcome.summary.flagged > 0 && !values['no-fail'] ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await guard.dispose();
  }
}
