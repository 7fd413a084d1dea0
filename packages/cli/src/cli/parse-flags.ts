import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

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

/** Reads a number flag in (0, 1]. */
export function probabilityFlag(name: string, value: string | undefined) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0 || number > 1) {
    throw new UsageError(`--${name}: expected a number above 0 and at most 1, received '${value}'`);
  }
  return number;
}

/** Reads a flag that takes one of a few values. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]) {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, received '${value}'`);
  }
  return value as T;
}

/** Splits repeated, comma-separated category codes (`S1,s9 S10`) into upper-case codes. */
export function codesFlag(name: string, values: string[] | undefined) {
  if (values === undefined) return undefined;
  const codes = values
    .flatMap((value) => value.split(/[,\s]+/))
    .filter(Boolean)
    .map((code) => code.toUpperCase());
  for (const code of codes) {
    if (!/^S\d{1,3}$/.test(code))
      throw new UsageError(`--${name}: expected category codes like S1,S9, received '${code}'`);
  }
  if (codes.length === 0)
    throw new UsageError(`--${name}: expected category codes like S1,S9, received nothing`);
  return codes;
}
