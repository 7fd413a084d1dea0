import path from 'node:path';
import type { GuardOptions } from '@vigil/guard-core';
import { resolvePolicy } from '@vigil/guard-core/internal';
import type { CommandContext } from '../../context/cli-context.js';
import { UsageError } from '../../context/usage-error.js';
import type { FlagValues } from '../../flags/flag-table.js';
import { guardOptionsFromFlags } from '../../flags/guard-flags.js';
import { modelName } from '../../output/model-name.js';
import { type DatasetSpec, genericSpec, type PresetName, presetSpec } from './dataset-spec.js';
import { defaultSeed, type evalFlags } from './eval-flags.js';
import type { EvalExample, EvalSkip } from './eval-types.js';
import { type PerRowContent, readPerRow } from './per-row.js';
import { readDataset } from './read-dataset.js';
import { sample } from './sample.js';

export type EvalValues = FlagValues<typeof evalFlags>;

/** Presets whose labels are about one side only. */
const presetRoles: Partial<Record<PresetName, 'user' | 'assistant'>> = {
  xstest: 'user',
  'openai-moderation': 'user',
  toxicchat: 'user',
  beavertails: 'assistant',
};

function formatOf(chosen: EvalValues['format'], output: string | undefined, tty: boolean) {
  if (chosen) return chosen;
  const extension = output ? path.extname(output).toLowerCase() : '';
  if (extension === '.html' || extension === '.htm') return 'html';
  if (extension === '.json') return 'json';
  if (output) return 'json';
  return tty ? 'table' : 'json';
}

function datasetSpec(values: EvalValues): { spec: DatasetSpec; preset: PresetName | undefined } {
  const { role, preset } = values;
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

export interface PlannedSide {
  label: string;
  options: GuardOptions;
  policy: ReturnType<typeof resolvePolicy>;
  concurrency: number;
}

async function planSides(values: EvalValues, context: CommandContext): Promise<PlannedSide[]> {
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

/** What the command line asks for, checked (and the datasets read) before any model is loaded. */
export interface EvalPlan {
  values: EvalValues;
  datasets: string[];
  format: 'table' | 'json' | 'html';
  targetFpr: number | undefined;
  preset: PresetName | undefined;
  sides: PlannedSide[];
  examples: EvalExample[];
  /** Rows that could not be read (unlabelled, invalid). */
  skips: EvalSkip[];
  /** The run `--resume` continues. */
  earlier: PerRowContent | undefined;
}

export async function planEval(
  values: EvalValues,
  datasets: string[],
  context: CommandContext,
): Promise<EvalPlan> {
  if (datasets.length === 0) throw new UsageError('vigil eval: expected at least one DATASET file');
  const format = formatOf(values.format, values.output, context.stdout.isTTY === true);
  if (values.seed !== undefined && values.sample === undefined)
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
  const read = await readExamples(datasets, spec);
  let examples =
    values.sample === undefined
      ? read.examples
      : sample(read.examples, values.sample, values.seed ?? defaultSeed);
  if (values.limit !== undefined) examples = examples.slice(0, values.limit);
  const earlier = values.resume && values['per-row'] ? await readPerRow(values['per-row'], true) : undefined;
  return { values, datasets, format, targetFpr, preset, sides, examples, skips: read.skips, earlier };
}
