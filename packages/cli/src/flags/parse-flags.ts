import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { UsageError } from '../context/usage-error.js';

/** One flag, as `node:util` parseArgs declares it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}

type FlagValue<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { multiple: true }
    ? string[]
    : string;

/** The parsed values of a set of flags (absent flags are `undefined`). */
export type FlagValues<T extends Record<string, FlagSpec>> = { [K in keyof T]?: FlagValue<T[K]> | undefined };

function translate(error: Error & { code?: string }) {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return error.message.includes('argument missing')
        ? `option '${quoted.split(' ')[0]}' expects a value`
        : `option '${quoted.split(' ')[0]}' takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    default:
      return error.message;
  }
}

/**
 * Parses a command's flags with `node:util` parseArgs (strict), turning its errors into usage
 * errors that name the command.
 */
export function parseFlags<T extends Record<string, FlagSpec>>(
  command: string,
  args: string[],
  options: T,
): { values: FlagValues<T>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as FlagValues<T>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${command}: ${translate(error as Error)}`);
  }
}

/** Reads an integer flag: `undefined` when absent. @throws UsageError for a value out of range. */
export function integerFlag(
  name: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, received '${value}'`);
  }
  return number;
}

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

/** Reads a flag that takes one of a few values. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]) {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, received '${value}'`);
  }
  return value as T;
}

/** Splits repeated, comma-separated category codes (`S1,s9 S10`) into upper-case codes (checked by the policy schema). */
export function codesFlag(values: readonly string[] | undefined) {
  if (values === undefined) return undefined;
  return values
    .flatMap((value) => value.split(/[,\s]+/))
    .filter(Boolean)
    .map((code) => code.toUpperCase());
}
