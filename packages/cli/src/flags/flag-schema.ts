import type { z } from 'zod';
import { UsageError } from '../context/usage-error.js';

/** A number flag's text as a number (`NaN` for text that is not one), for a schema to judge. */
export function numberFlag(value: string | undefined) {
  if (value === undefined) return undefined;
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** One flag handed to a schema: its name, the text given, and the value coerced from it. */
export type FlagEntry = readonly [
  flag: string,
  given: string | readonly string[] | undefined,
  value: unknown,
];

/**
 * Validates coerced flag values with the library's own zod schema, so bounds and messages are
 * the API's: `entries` maps each schema key to its flag. Absent flags are left out.
 * @throws UsageError naming the flag: `--threshold: too big: expected number to be <=1, received '2'`.
 */
export function parseFlagValues<S extends z.ZodType>(
  schema: S,
  entries: Record<string, FlagEntry>,
): z.output<S> {
  const value = Object.fromEntries(
    Object.entries(entries)
      .filter(([, [, , coerced]]) => coerced !== undefined)
      .map(([key, [, , coerced]]) => [key, coerced]),
  );
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const entry = entries[String(issue?.path[0])];
  const index = issue?.path[1];
  const given =
    typeof index === 'number' && Array.isArray(value[String(issue?.path[0])])
      ? String((value[String(issue?.path[0])] as unknown[])[index])
      : Array.isArray(entry?.[1])
        ? entry[1].join(',')
        : entry?.[1];
  // zod's own "received NaN" says less than the text the user typed.
  const message = (issue?.message ?? 'invalid')
    .replace(/^Invalid input: /, '')
    .replace(/, received \w+$/, '');
  const text = message.charAt(0).toLowerCase() + message.slice(1);
  throw new UsageError(`--${entry?.[0] ?? String(issue?.path[0])}: ${text}, received '${given ?? ''}'`);
}

/** Splits repeated, comma-separated category codes (`S1,s9 S10`) into upper-case codes (checked by the policy schema). */
export function codesFlag(values: readonly string[] | undefined) {
  if (values === undefined) return undefined;
  return values
    .flatMap((value) => value.split(/[,\s]+/))
    .filter(Boolean)
    .map((code) => code.toUpperCase());
}
