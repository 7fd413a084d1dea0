import { realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Guard, type GuardOptions, VigilError } from '@vigil/guard-core';
import { resolvePolicy } from '@vigil/guard-core/internal';
import { emptySummary } from '../audit/audit-types.js';
import { createProgressDisplay } from '../../output/progress.js';
import { guardFlags, guardOptionsFromFlags, openGuard } from '../../flags/guard-flags.js';
import type { CliContext } from '../../context/cli-context.js';
import { modelName } from '../../output/model-name.js';
import { openOutput } from '../../output/open-output.js';
import { choiceFlag, integerFlag, parseFlags } from '../../flags/parse-flags.js';
import { UsageError } from '../../context/usage-error.js';
import { readVersion } from '../../output/version.js';
import { categoryCodesFor } from './category-map.js';
import { type DatasetSpec, genericSpec, type PresetName, presetNames, presetSpec } from './dataset-spec.js';
import { evalHelp } from './eval-help.js';
import { type EvalReport, jsonReport } from './eval-report.js';
import type { EvalExample, EvalRowResult, EvalSkip } from './eval-types.js';
import { readPerRow } from './per-row.js';
import { readDataset } from './read-dataset.js';
import { htmlReport } from './report-html.js';
import { tableReport } from './report-table.js';
import { type EvalSide, rowKey, runEval } from './run-eval.js';
import { sample } from './sample.js';
import { summarize } from './summarize.js';
import { type TuneObjective, tuneThresholds } from './tune.js';
import { tunedPolicyText } from './write-policy.js';

const flags = {
  ...guardFlags,
  model: { type: 'string', multiple: true },
  policy: { type: 'string', multiple: true },
  compare: { type: 'boolean' },
  preset: { type: 'string' },
  'text-field': { type: 'string' },
  'response-field': { type: 'string' },
  'label-field': { type: 'string' },
  'unsafe-value': { type: 'string', multiple: true },
  'category-field': { type: 'string' },
  'language-field': { type: 'string' },
  'slice-field': { type: 'string', multiple: true },
  'id-field': { type: 'string' },
  role: { type: 'string' },
  limit: { type: 'string' },
  sample: { type: 'string' },
  seed: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  'per-row': { type: 'string' },
  resume: { type: 'boolean' },
  'show-text': { type: 'boolean' },
  'target-fpr': { type: 'string' },
  'write-policy': { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const formats = ['table', 'json', 'html'] as const;

/** Categories at this threshold decode their codes on every row, so thresholds can be tuned. */
const decodeEverywhere = 1e-12;

/** Presets whose labels are about one side only. */
const presetRoles: Partial<Record<PresetName, 'user' | 'assistant'>> = {
  xstest: 'user',
  'openai-moderation': 'user',
  toxicchat: 'user',
  beavertails: 'assistant',
};

function formatOf(value: string | undefined, output: string | undefined, tty: boolean) {
  const chosen = choiceFlag('format', value, formats);
  if (chosen) return chosen;
  const extension = output ? path.extname(output).toLowerCase() : '';
  if (extension === '.html' || extension === '.htm') return 'html';
  if (extension === '.json') return 'json';
  if (output) return 'json';
  return tty ? 'table' : 'json';
}

type Values = ReturnType<typeof parseFlags<typeof flags>>['values'];

function datasetSpec(values: Values): { spec: DatasetSpec; preset: PresetName | undefined } {
  const role = choiceFlag('role', values.role, ['user', 'assistant'] as const);
  const preset = choiceFlag('preset', values.preset, presetNames);
  if (preset) {
    const fieldFlag = (
      ['text-field', 'response-field', 'label-field', 'unsafe-value', 'category-field'] as const
    ).find((name) => values[name] !== undefined);
    if (fieldFlag)
      throw new UsageError(
        `--${fieldFlag}: expected no field flags with --preset ${preset} (it names its own fields)`,
      );
    const fixed = presetRoles[preset];
    if (fixed && role && role !== fixed) {
      throw new UsageError(
        `--role: expected ${fixed} for --preset ${preset} (its labels judge the ${fixed === 'user' ? 'prompt' : 'answer'}), received ${role}`,
      );
    }
    return { spec: presetSpec(preset, role), preset };
  }
  return {
    spec: genericSpec({
      textField: values['text-field'],
      responseField: values['response-field'],
      labelField: values['label-field'],
      unsafeValues: values['unsafe-value'],
      categoryField: values['category-field'],
      languageField: values['language-field'],
      sliceFields: values['slice-field'],
      idField: values['id-field'],
      role,
    }),
    preset: undefined,
  };
}

interface PlannedSide {
  label: string;
  options: GuardOptions;
  policy: ReturnType<typeof resolvePolicy>;
  concurrency: number;
}

async function planSides(values: Values, context: CliContext): Promise<PlannedSide[]> {
  const models = values.model ?? [];
  const policies = values.policy ?? [];
  if (models.length > 1 && policies.length > 1) {
    throw new UsageError(
      '--model, --policy: expected several of one of them to compare, received several of both',
    );
  }
  const variants =
    models.length > 1
      ? models.map((model) => ({ model, policy: policies[0], label: modelName(model) }))
      : policies.length > 1
        ? policies.map((policy) => ({ model: models[0], policy, label: path.basename(policy) }))
        : [{ model: models[0], policy: policies[0], label: '' }];
  if (values.compare && variants.length < 2) {
    throw new UsageError(
      '--compare: expected two or more --model or --policy values to compare, received one',
    );
  }
  const sides: PlannedSide[] = [];
  for (const variant of variants) {
    const options = await guardOptionsFromFlags(
      { ...values, model: variant.model, policy: variant.policy },
      context.env,
    );
    let policy: ReturnType<typeof resolvePolicy>;
    try {
      policy = resolvePolicy(
        {
          categories: options.categories,
          excludeCategories: options.excludeCategories,
          customCategories: options.customCategories,
          threshold: options.threshold,
          thresholds: options.thresholds,
        },
        variant.policy ?? 'policy',
      );
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    // A side with no label of its own (the only one) is named by its model once loaded (modelName).
    sides.push({ label: variant.label, options, policy, concurrency: options.concurrency });
  }
  const labels = sides.map((side) => side.label);
  if (new Set(labels).size < labels.length)
    for (const [index, side] of sides.entries()) side.label = `${index + 1}: ${side.label}`;
  return sides;
}

async function readExamples(files: readonly string[], spec: DatasetSpec) {
  const examples: EvalExample[] = [];
  const skips: EvalSkip[] = [];
  for (const file of files) {
    for await (const item of readDataset(file, spec)) {
      if ('kind' in item) skips.push(item);
      else examples.push(item);
    }
  }
  return { examples, skips };
}

/**
 * `vigil eval DATASET...`: measures the guard on labelled data, compares configurations, tunes thresholds.
 * @returns the exit code: 0 the run completed, 2 usage/input error or a failure, 130 interrupted.
 */
export async function evalCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil eval', args, flags);
  if (values.help) {
    context.stdout.write(evalHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('vigil eval: expected at least one DATASET file');
  const format = formatOf(values.format, values.output, context.stdout.isTTY === true);
  const limit = integerFlag('limit', values.limit, 1);
  const sampleSize = integerFlag('sample', values.sample, 1);
  const seed = integerFlag('seed', values.seed, 0, 2 ** 32 - 1) ?? 1;
  if (values.seed !== undefined && sampleSize === undefined)
    throw new UsageError('--seed: expected --sample N as well');
  const targetFpr = values['target-fpr'] === undefined ? undefined : Number(values['target-fpr']);
  if (
    targetFpr !== undefined &&
    (!Number.isFinite(targetFpr) || targetFpr < 0 || targetFpr >= 1 || values['target-fpr']?.trim() === '')
  ) {
    throw new UsageError(
      `--target-fpr: expected a rate from 0 to below 1, received '${values['target-fpr']}'`,
    );
  }
  if (values.resume && !values['per-row'])
    throw new UsageError('--resume: expected --per-row FILE (the run to continue)');
  const { spec, preset } = datasetSpec(values);
  const sides = await planSides(values, context);
  if (values['write-policy'] && sides.length > 1) {
    throw new UsageError('--write-policy: expected one model and policy, received several to compare');
  }
  const read = await readExamples(positionals, spec);
  let examples = sampleSize === undefined ? read.examples : sample(read.examples, sampleSize, seed);
  if (limit !== undefined) examples = examples.slice(0, limit);
  const earlier = values.resume && values['per-row'] ? await readPerRow(values['per-row'], true) : undefined;
  const done = new Set(earlier?.rows.map((row) => rowKey(row.side, row.file, row.line)));

  const guards: Guard[] = [];
  const stop = new AbortController();
  const progress = createProgressDisplay({ stream: context.stderr, enabled: !values['no-progress'] });
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    progress.log('vigil: interrupted; writing the partial report (Ctrl-C again to quit at once)');
    stop.abort();
  };
  const onAbort = () => stop.abort();
  try {
    const evalSides: EvalSide[] = [];
    // A signal during a model load stops the command with nothing written (see openGuard).
    for (const side of sides) {
      const decodeAll = Object.fromEntries(
        [...side.policy.known.keys()].map((code) => [code, decodeEverywhere]),
      );
      const guard = await openGuard(
        context,
        { ...side.options, threshold: side.policy.threshold, thresholds: decodeAll },
        { verbose: values.verbose },
      );
      guards.push(guard);
      if (side.label === '') side.label = modelName(guard.model.id);
      evalSides.push({ label: side.label, guard, policy: side.policy });
    }
    context.signal?.addEventListener('abort', onAbort, { once: true });
    process.on('SIGINT', onSigint);
    // Neither output may overwrite a dataset or the policy file, however the path is spelled.
    const protect = new Set(
      await Promise.all([...positionals, ...[values.policy ?? []].flat()].map((file) => realpath(file))),
    );
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
    for (const skip of read.skips) {
      if (!earlierSkips.has(`\n${skip.file}\n${skip.line}\n${skip.kind}`)) writeLine(skip);
      progress.log(`${skip.file}:${skip.line}: ${skip.kind}: ${skip.message}`);
    }
    const auditView = emptySummary();
    const outcome = await runEval({
      sides: evalSides,
      examples,
      concurrency: Math.max(...sides.map((side) => side.concurrency)),
      signal: stop.signal,
      done,
      showText: values['show-text'] === true,
      onRow: (row) => writeLine(row),
      onSkip: (skip) => {
        writeLine(skip);
        progress.log(`${skip.file}:${skip.line}: failed: ${skip.message}`);
      },
      onProgress: (state) => {
        auditView.conversations = state.done;
        auditView.flagged = state.flagged;
        progress.update({ summary: auditView, bytesDone: state.bytesDone, bytesTotal: state.bytesTotal });
      },
    });
    progress.done();
    const perRowError = await perRow?.commit();
    if (perRowError)
      throw new UsageError(`--per-row: cannot write '${values['per-row']}': ${perRowError.message}`);
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
      preset,
      new Map([...(sides[0]?.policy.known ?? new Map())].map(([code, c]) => [code, c.name])),
    );
    const interrupted = outcome.interrupted && outcome.error === undefined;
    const summaries = sides.map((side, index) =>
      summarize(
        rows.filter((row) => row.side === index),
        {
          label: side.label,
          threshold: side.policy.threshold,
          thresholds: { ...side.policy.thresholds },
          targetFpr,
          categoryCodes,
          skips: [...read.skips, ...failed.filter((skip) => skip.side === index)],
          wallMs: earlier ? undefined : outcome.wallMs,
          interrupted: outcome.interrupted,
        },
      ),
    );
    const report: EvalReport = {
      version: readVersion(),
      datasets: positionals,
      summaries,
      rows,
      skips: [...read.skips, ...failed],
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
    if (outputError)
      throw new UsageError(`--output: cannot write '${values.output}': ${outputError.message}`);
    if (format !== 'table' || values.output) {
      const overall = summaries.map(
        (s) => `${s.label}: F1 ${s.overall.f1?.toFixed(3) ?? '–'}, FPR ${s.overall.fpr?.toFixed(3) ?? '–'}`,
      );
      context.stderr.write(
        `vigil: ${summaries[0]?.counts.measured ?? 0} rows measured (${overall.join('; ')})${interrupted ? ' (interrupted: partial report)' : ''}\n`,
      );
    }
    if (outcome.error !== undefined) {
      const message = VigilError.isInstance(outcome.error) ? outcome.error.message : String(outcome.error);
      context.stderr.write(`vigil eval: stopped: ${message}\n`);
      return 2;
    }
    if (outcome.interrupted) return 130;
    if (values['write-policy']) {
      const side = sides[0] as PlannedSide;
      const objective: TuneObjective =
        targetFpr === undefined ? { kind: 'f1' } : { kind: 'fpr', target: targetFpr };
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
        summary: summaries[0] as (typeof summaries)[number],
        datasets: positionals,
        version: readVersion(),
      });
      await writeFile(values['write-policy'], text).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(
          `--write-policy: cannot write '${values['write-policy']}': ${error.code ?? error.message}`,
        );
      });
      context.stderr.write(
        `vigil: wrote ${values['write-policy']}: threshold ${tuned.threshold}${
          Object.keys(tuned.thresholds).length
            ? `, ${Object.entries(tuned.thresholds)
                .map(([c, t]) => `${c} ${t}`)
                .join(', ')}`
            : ''
        } (F1 ${tuned.rates.f1?.toFixed(3) ?? '–'}, FPR ${tuned.rates.fpr?.toFixed(3) ?? '–'})\n`,
      );
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    context.signal?.removeEventListener('abort', onAbort);
    for (const guard of guards) await guard.dispose();
  }
}
