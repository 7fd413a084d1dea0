import { z } from 'zod';
import { VigilConfigError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { builtinCategories, defaultCategoryCodes } from './categories.js';
import { resolveThresholds, thresholdsSchema } from './thresholds.js';

const codeSchema = z.string().regex(/^S\d{1,3}$/, 'expected a category code like S1');

/** The policy settings shared by `createGuard`, the CLI's `--policy` file and the middleware. */
export const policyOptionsSchema = z
  .object({
    /** Built-in categories to check (S1-S13; S14 for Llama Guard 3 8B). Defaults to S1-S13. */
    categories: z.array(codeSchema).min(1).optional(),
    /** Categories left out of the prompt. Defaults to none. */
    excludeCategories: z.array(codeSchema).optional(),
    /** Categories of your own, numbered after the last built-in (S14 on the 1B model). */
    customCategories: z
      .array(
        z.strictObject({
          name: z.string().trim().min(1, 'expected a non-empty name'),
          description: z.string().trim().optional(),
        }),
      )
      .optional(),
    /** An `unsafeProbability` at or above this makes a verdict unsafe. Defaults to `0.5`. */
    threshold: z.number().gt(0).lte(1).optional(),
    /**
     * Per-category thresholds, e.g. `{ default: 0.5, S6: 0.85 }` (`default` is `threshold`). Unsafe
     * when some named code c in force has `unsafeProbability >= thresholds[c]` (the default for
     * codes without their own), or the model named no code and it reaches the default. Defaults to none.
     */
    thresholds: thresholdsSchema.optional(),
  })
  .strict();

export type PolicyOptions = z.input<typeof policyOptionsSchema>;

export interface PolicyCategory {
  /** `S1`..`S13`, or the code given to a custom category. */
  code: string;
  /** Display name (the model card's). */
  name: string;
  /** What the prompt says for it, e.g. `Violent Crimes.` */
  promptText: string;
  custom: boolean;
}

/** A resolved policy: what the prompt lists, and how scores become verdicts. */
export interface Policy {
  /** Every category the guard knows: built-ins and custom ones (for naming codes). */
  readonly known: ReadonlyMap<string, PolicyCategory>;
  /** The categories in the prompt and in force, in prompt order. */
  readonly categories: readonly PolicyCategory[];
  /** Codes listed in `categories` but skipped by the template (`excluded_category_keys`). */
  readonly excluded: readonly string[];
  readonly threshold: number;
  /** Categories with a threshold of their own (see `thresholds` in {@link PolicyOptions}). */
  readonly thresholds: Readonly<Record<string, number>>;
  /** Stable identity of the prompt this policy renders (for prompt and verdict caches). */
  readonly key: string;
}

function fail(path: string, message: string): never {
  throw new VigilConfigError(`${path}: ${message}`);
}

/** Resolves and validates policy options. @throws VigilConfigError naming the option at fault. */
export function resolvePolicy(options: PolicyOptions = {}, path = 'options'): Policy {
  const {
    categories,
    excludeCategories = [],
    customCategories = [],
    threshold: thresholdOption,
    thresholds: thresholdsOption,
  } = parseOrThrow(policyOptionsSchema, options, path);
  const builtin = new Map(builtinCategories.map((c) => [c.code, c]));
  const selected = categories ?? defaultCategoryCodes;
  selected.forEach((code, index) => {
    if (!builtin.has(code)) {
      fail(`${path}.categories[${index}]`, `unknown category '${code}'; expected one of S1..S14`);
    }
  });
  const known = new Map<string, PolicyCategory>();
  for (const c of builtinCategories) {
    known.set(c.code, { code: c.code, name: c.displayName, promptText: c.promptName, custom: false });
  }
  const lastBuiltin = Math.max(13, ...selected.map((code) => Number(code.slice(1))));
  const custom = customCategories.map((c, index): PolicyCategory => {
    const code = `S${lastBuiltin + 1 + index}`;
    const name = c.name.replace(/\.$/, '');
    const promptText = c.description ? `${name}.\n${c.description}` : `${name}.`;
    const category = { code, name, promptText, custom: true };
    known.set(code, category);
    return category;
  });
  const listed = [...selected.map((code) => known.get(code) as PolicyCategory), ...custom];
  excludeCategories.forEach((code, index) => {
    if (!listed.some((c) => c.code === code)) {
      fail(`${path}.excludeCategories[${index}]`, `'${code}' is not among the policy's categories`);
    }
  });
  const thresholds = resolveThresholds(thresholdOption, thresholdsOption, new Set(known.keys()), path);
  return build(known, listed, excludeCategories, thresholds.threshold, thresholds.thresholds);
}

function build(
  known: ReadonlyMap<string, PolicyCategory>,
  listed: readonly PolicyCategory[],
  excluded: readonly string[],
  threshold: number,
  thresholds: Readonly<Record<string, number>>,
): Policy {
  const categories = listed.filter((c) => !excluded.includes(c.code));
  if (categories.length === 0) throw new VigilConfigError('policy: every category is excluded');
  const key = JSON.stringify([listed.map((c) => [c.code, c.promptText]), excluded]);
  return { known, categories, excluded, threshold, thresholds, key };
}

/**
 * The policy for one call that names its own categories: exactly these codes, built-in or the
 * guard's custom ones. @throws VigilConfigError for an unknown code.
 */
export function withCategories(policy: Policy, codes: readonly string[], path = 'categories'): Policy {
  if (codes.length === 0) fail(path, 'expected at least one category');
  const listed = codes.map((code, index) => {
    const category = policy.known.get(code);
    if (!category) fail(`${path}[${index}]`, `unknown category '${code}'`);
    return category;
  });
  return build(policy.known, listed, [], policy.threshold, policy.thresholds);
}

/** The `categories` and `excluded_category_keys` variables of Meta's template. */
export function templateCategories(policy: Policy): Record<string, string> {
  const listed: Record<string, string> = {};
  for (const c of policy.categories) listed[c.code] = c.promptText;
  for (const code of policy.excluded) {
    const c = policy.known.get(code);
    if (c) listed[code] = c.promptText;
  }
  return listed;
}
