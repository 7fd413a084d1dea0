import { realpath, writeFile } from 'node:fs/promises';
import { type Guard, VigilError } from '@vigil/guard-core';
import type { CommandContext } from '../../context/cli-context.js';
import { UsageError } from '../../context/usage-error.js';
import { parseFlags } from '../../flags/flag-table.js';
import { openGuard } from '../../flags/open-guard.js';
import { modelName } from '../../output/model-name.js';
import { openOutput } from '../../output/open-output.js';
import { createProgressDisplay, type ProgressDisplay } from '../../output/progress.js';
import { readVersion } from '../../output/version.js';
import { categoryCodesFor } from './category-map.js';
import { evalFlags, evalHelp } from './eval-flags.js';
import { type EvalPlan, type PlannedSide, planEval } from './eval-plan.js';
import { type EvalReport, jsonReport } from './eval-report.js';
import type { EvalRowResult, EvalSummary } from './eval-types.js';
import { htmlReport } from './report-html.js';
import { tableReport } from './report-table.js';
import { type EvalSide, type RunEvalOutcome, rowKey, runEval } from './run-eval.js';
import { summarize } from './summarize.js';
import { type TuneObjective, tuneThresholds } from './tune.js';
import { tunedPolicyText } from './write-policy.js';

/** Categories at this threshold decode their codes on every row, so thresholds can be tuned. */
const decodeEverywhere = 1e-12;

/** Loads one guard per side (a signal during a load stops the command with nothing written, see openGuard). */
async function openSides(plan: EvalPlan, guards: Guard[], context: CommandContext) {
  const evalSides: EvalSide[] = [];
  for (const side of plan.sides) {
    const decodeAll = Object.fromEntries(
      [...side.policy.known.keys()].map((code) => [code, decodeEverywhere]),
    );
    const guard = await openGuard(
      context,
      { ...side.options, threshold: side.policy.threshold, thresholds: decodeAll },
      { verbose: plan.values.verbose },
    );
    guards.push(guard);
    if (side.label === '') side.label = modelName(guard.model.id);
    evalSides.push({ label: side.label, guard, policy: side.policy });
  }
  return evalSides;
}

/** Runs the rows not done yet through every side, writing each outcome to `--per-row` as it comes. */
async function runRows(
  plan: EvalPlan,
  evalSides: EvalSide[],
  protect: Set<string>,
  progress: ProgressDisplay,
  signal: AbortSignal,
  context: CommandContext,
) {
  const { values, earlier } = plan;
  const perRow = values['per-row']
    ? await openOutput({
        file: values['per-row'],
        stdout: context.stdout,
        append: values.resume === true,
        streamed: true,
        protect,
      })
    : undefined;
  const writeLine = (value: object) => perRow?.write(`${JSON.stringify(value)}\n`);
  const earlierSkips = new Set(
    earlier?.skips.map((skip) => `${skip.side ?? ''}\n${skip.file}\n${skip.line}\n${skip.kind}`),
  );
  for (const skip of plan.skips) {
    if (!earlierSkips.has(`\n${skip.file}\n${skip.line}\n${skip.kind}`)) writeLine(skip);
    progress.log(`${skip.file}:${skip.line}: ${skip.kind}: ${skip.message}`);
  }
  const outcome = await runEval({
    sides: evalSides,
    examples: plan.examples,
    concurrency: Math.max(...plan.sides.map((side) => side.concurrency)),
    signal,
    done: new Set(earlier?.rows.map((row) => rowKey(row.side, row.file, row.line))),
    showText: values['show-text'] === true,
    onRow: (row) => writeLine(row),
    onSkip: (skip) => {
      writeLine(skip);
      progress.log(`${skip.file}:${skip.line}: failed: ${skip.message}`);
    },
    onProgress: (state) =>
      progress.update({
        conversations: state.done,
        flagged: state.flagged,
        bytesDone: state.bytesDone,
        bytesTotal: state.bytesTotal,
      }),
  });
  progress.done();
  const perRowError = await perRow?.commit();
  if (perRowError)
    throw new UsageError(`--per-row: cannot write '${values['per-row']}': ${perRowError.message}`);
  return outcome;
}

/** The summaries of every side, over this run's rows and those of the run it resumes. */
function summariesOf(plan: EvalPlan, outcome: RunEvalOutcome) {
  const { earlier, sides } = plan;
  const rows: EvalRowResult[] = [...(earlier?.rows ?? []), ...outcome.rows];
  const failed = [
    ...(earlier?.skips.filter(
      (skip) =>
        skip.kind === 'failed' &&
        !outcome.skips.some((s) => s.file === skip.file && s.line === skip.line && s.side === skip.side),
    ) ?? []),
    ...outcome.skips,
  ];
  const categoryCodes = categoryCodesFor(
    plan.preset,
    new Map([...(sides[0]?.policy.known ?? new Map())].map(([code, c]) => [code, c.name])),
  );
  const summaries = sides.map((side, index) =>
    summarize(
      rows.filter((row) => row.side === index),
      {
        label: side.label,
        threshold: side.policy.threshold,
        thresholds: { ...side.policy.thresholds },
        targetFpr: plan.targetFpr,
        categoryCodes,
        skips: [...plan.skips, ...failed.filter((skip) => skip.side === index)],
        wallMs: earlier ? undefined : outcome.wallMs,
        interrupted: outcome.interrupted,
      },
    ),
  );
  return { rows, failed, summaries };
}

/** Writes the report (`--format`, `--output`) and its one-line summary on stderr. */
async function writeReport(
  plan: EvalPlan,
  outcome: RunEvalOutcome,
  protect: Set<string>,
  context: CommandContext,
) {
  const { values, format } = plan;
  const { rows, failed, summaries } = summariesOf(plan, outcome);
  const report: EvalReport = {
    version: readVersion(),
    datasets: plan.datasets,
    summaries,
    rows,
    skips: [...plan.skips, ...failed],
    showText: values['show-text'] === true,
  };
  const output = await openOutput({
    file: values.output,
    stdout: context.stdout,
    append: false,
    streamed: false,
    protect,
  });
  output.write(
    format === 'table' ? tableReport(report) : format === 'html' ? htmlReport(report) : jsonReport(report),
  );
  const outputError = await output.commit();
  if (outputError) throw new UsageError(`--output: cannot write '${values.output}': ${outputError.message}`);
  if (format !== 'table' || values.output) {
    const interrupted = outcome.interrupted && outcome.error === undefined;
    const overall = summaries.map(
      (s) => `${s.label}: F1 ${s.overall.f1?.toFixed(3) ?? '–'}, FPR ${s.overall.fpr?.toFixed(3) ?? '–'}`,
    );
    context.stderr.write(
      `vigil: ${summaries[0]?.counts.measured ?? 0} rows measured (${overall.join('; ')})${interrupted ? ' (interrupted: partial report)' : ''}\n`,
    );
  }
  return { rows, summaries };
}

/** `--write-policy FILE`: thresholds tuned on the rows. @returns the exit code. */
async function writeTunedPolicy(
  plan: EvalPlan,
  file: string,
  rows: EvalRowResult[],
  summary: EvalSummary,
  context: CommandContext,
) {
  const side = plan.sides[0] as PlannedSide;
  const objective: TuneObjective =
    plan.targetFpr === undefined ? { kind: 'f1' } : { kind: 'fpr', target: plan.targetFpr };
  const inForce = new Set(side.policy.categories.map((category) => category.code));
  const tuned = tuneThresholds(rows, inForce, objective);
  if (!tuned) {
    context.stderr.write(
      `vigil eval: --write-policy: no thresholds meet ${objective.kind === 'fpr' ? `--target-fpr ${objective.target}` : 'the objective'} on these rows; nothing written\n`,
    );
    return 2;
  }
  const text = tunedPolicyText({
    options: side.options,
    tuned,
    objective,
    summary,
    datasets: plan.datasets,
    version: readVersion(),
  });
  await writeFile(file, text).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--write-policy: cannot write '${file}': ${error.code ?? error.message}`);
  });
  const perCategory = Object.entries(tuned.thresholds)
    .map(([c, t]) => `${c} ${t}`)
    .join(', ');
  context.stderr.write(
    `vigil: wrote ${file}: threshold ${tuned.threshold}${perCategory ? `, ${perCategory}` : ''} (F1 ${tuned.rates.f1?.toFixed(3) ?? '–'}, FPR ${tuned.rates.fpr?.toFixed(3) ?? '–'})\n`,
  );
  return 0;
}

/**
 * `vigil eval DATASET...`: measures the guard on labelled data, compares configurations, tunes
 * thresholds. Ctrl-C (or `context.signal`) stops the run and the partial report is written; a
 * second Ctrl-C quits at once.
 * @returns the exit code: 0 the run completed, 2 usage/input error or a failure, 130 interrupted.
 */
export async function evalCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil eval', args, evalFlags);
  if (values.help) {
    context.stdout.write(evalHelp);
    return 0;
  }
  const plan = await planEval(values, positionals, context);
  const guards: Guard[] = [];
  const stop = new AbortController();
  const progress = createProgressDisplay({ stream: context.stderr, enabled: !values['no-progress'] });
  const onAbort = () => stop.abort();
  let stopListening = () => {};
  try {
    const evalSides = await openSides(plan, guards, context);
    context.signal?.addEventListener('abort', onAbort, { once: true });
    stopListening = context.signals.listen(() => {
      if (stop.signal.aborted) return context.signals.quit(130);
      progress.log('vigil: interrupted; writing the partial report (Ctrl-C again to quit at once)');
      stop.abort();
    }, ['SIGINT']);
    // Neither output may overwrite a dataset or the policy file, however the path is spelled.
    const protect = new Set(
      await Promise.all([...positionals, ...(values.policy ?? [])].map((file) => realpath(file))),
    );
    const outcome = await runRows(plan, evalSides, protect, progress, stop.signal, context);
    const { rows, summaries } = await writeReport(plan, outcome, protect, context);
    if (outcome.error !== undefined) {
      const message = VigilError.isInstance(outcome.error) ? outcome.error.message : String(outcome.error);
      context.stderr.write(`vigil eval: stopped: ${message}\n`);
      return 2;
    }
    if (outcome.interrupted) return 130;
    const file = values['write-policy'];
    return file ? await writeTunedPolicy(plan, file, rows, summaries[0] as EvalSummary, context) : 0;
  } finally {
    stopListening();
    context.signal?.removeEventListener('abort', onAbort);
    for (const guard of guards) await guard.dispose();
  }
}
