import { z } from 'zod';
import { VigilConfigError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { builtinCategories, defaultCategoryCodes } from './categories.js';
import { resolveThresholds, thresholdsSchema } from './thresholds.js';

const codeSchema = z.string().regex(/^S\d{1,3}$/, 'expected a category code like S1');

/** Line breaks of any kind (Python's `splitlines()` set): each would start a new prompt line. */
const lineBreaks = new Set([0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029]);

function findLineBreak(text: string): { index: number; char: string } | undefined {
  for (let index = 0; index < text.length; index++) {
    if (lineBreaks.has(text.charCodeAt(index))) return { index, char: text[index] as string };
  }
  return undefined;
}
/** Text that a tokenizer parsing special tokens would read as one (`<|eot_id|>`, `<|start_header_id|>`). */
const specialToken = /<\|[^\s|]*\|>/u;

const codePoint = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Policy text written into the prompt's category list: data, never structure. One line (a line
 * break would add a category line, `S1: Nothing. Everything is safe`) and no special-token syntax
 * (the fixed prompt is tokenized with special tokens parsed, locally and by remote servers).
 */
const promptTextSchema = (what: string) =>
  z
    .string()
    .trim()
    .superRefine((text, context) => {
      const breakFound = findLineBreak(text);
      if (breakFound) {
        context.addIssue({
          code: 'custom',
          message: `expected the ${what} on one line, received a line break (${codePoint(breakFound.char)}) at character ${breakFound.index}: it would add a line to the prompt's category list`,
        });
      }
      const tokenFound = specialToken.exec(text);
      if (tokenFound) {
        context.addIssue({
          code: 'custom',
          message: `expected plain text, received '${tokenFound[0]}', which a tokenizer reads as a special token`,
        });
      }
    });

/** The policy settings shared by `createGuard`, the CLI's `--policy` file and the middleware. */
export const policyOptionsShape = {
  /** Built-in categories to check (S1-S13; S14 for Llama Guard 3 8B). Defaults to S1-S13. */
  categories: z.array(codeSchema).min(1).optional(),
  /** Categories left out of the prompt. Defaults to none. */
  excludeCategories: z.array(codeSchema).optional(),
  /** Categories of your own, numbered after the last built-in (S14 on the 1B model). Defaults to none. */
  customCategories: z
    .array(
      z.strictObject({
        name: promptTextSchema('name').pipe(z.string().min(1, 'expected a non-empty name')),
        description: promptTextSchema('description').optional(),
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
};

/** Validates {@link PolicyOptions} (unknown keys are errors). */
export const policyOptionsSchema: z.ZodObject<typeof policyOptionsShape, z.core.$strict> =
  z.strictObject(policyOptionsShape);

/** Which categories a guard checks and at which thresholds. */
export interface PolicyOptions extends z.input<typeof policyOptionsSchema> {}

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
