import { parseArgs } from 'node:util';
import { UsageError } from '../context/usage-error.js';

/**
 * One command-line flag, the one place it is spelled: how it parses, its default, its
 * environment variable and its line in `--help` (see `renderHelp`).
 */
export interface FlagDefinition {
  readonly type: 'string' | 'boolean';
  /** Repeatable: the values come as a list. */
  readonly multiple?: boolean;
  /** A one-letter alias (`-h`). */
  readonly short?: string;
  /** The only values accepted (the parsed value has their type). */
  readonly choices?: readonly string[];
  /** An integer in this range (the parsed value is a number). */
  readonly integer?: { readonly min: number; readonly max?: number };
  /** Applied when the flag is absent (the parsed value is then never `undefined`). */
  readonly default?: string | number | boolean;
  /** The default as `--help` tells it, when the CLI does not apply it itself (the library's, a file's). */
  readonly defaultText?: string;
  /** The environment variable that sets the flag (`vigil serve`). */
  readonly env?: string;
  /** What follows the flag in `--help`: `FILE`, `N`, `user|assistant`. */
  readonly value?: string;
  /**
   * Its description in `--help`: `{default}` and `{env}` are filled in (else appended as
   * ` (default X)` and ` [ENV]`); a line break starts a new line.
   */
  readonly help: string;
  /** The `--help` section it is listed in (the command's help page names the sections). */
  readonly section: string;
}

/** A command's flags by name (without the leading `--`). */
export type FlagTable = Readonly<Record<string, FlagDefinition>>;

type Parsed<D extends FlagDefinition> = D extends { type: 'boolean' }
  ? boolean
  : D extends { multiple: true }
    ? string[]
    : D extends { integer: object }
      ? number
      : D extends { choices: readonly (infer C)[] }
        ? C
        : string;

/** The values of a table's flags, typed from the table: absent flags are `undefined` unless they have a default. */
export type FlagValues<T extends FlagTable> = {
  [K in keyof T]: T[K] extends { default: unknown } ? Parsed<T[K]> : Parsed<T[K]> | undefined;
};

/** The flags as given, before their choices, ranges and defaults are applied (what the environment may fill in). */
export type RawFlagValues = Record<string, string | boolean | string[] | undefined>;

/** Declares a flag table, keeping its literal types (so that `FlagValues` can be derived from it). */
export function defineFlags<const T extends FlagTable>(table: T): T {
  return table;
}

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
 * Reads a command's flags with `node:util` parseArgs (strict), turning its errors into usage
 * errors that name the command. The values are as given: `coerceFlags` checks them.
 */
export function readFlags(
  command: string,
  args: string[],
  table: FlagTable,
): { values: RawFlagValues; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(table).map(([name, { type, multiple, short }]) => [
      name,
      { type, ...(multiple ? { multiple } : {}), ...(short ? { short } : {}) },
    ]),
  );
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as RawFlagValues, positionals: parsed.positionals };
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

/** Reads a flag that takes one of a few values. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]) {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, received '${value}'`);
  }
  return value as T;
}

/**
 * Checks the flags' choices and integer ranges and applies their defaults, in table order.
 * @throws UsageError naming the flag: `--role: expected one of user, assistant, received 'system'`.
 */
export function coerceFlags<T extends FlagTable>(table: T, raw: RawFlagValues): FlagValues<T> {
  const values: Record<string, unknown> = { ...raw };
  for (const [name, definition] of Object.entries(table)) {
    const given = raw[name];
    if (typeof given === 'string' && definition.integer) {
      values[name] = integerFlag(name, given, definition.integer.min, definition.integer.max);
    } else if (typeof given === 'string' && definition.choices) {
      values[name] = choiceFlag(name, given, definition.choices);
    }
    if (values[name] === undefined && definition.default !== undefined) values[name] = definition.default;
  }
  return values as FlagValues<T>;
}

/** Reads and checks a command's flags: `readFlags`, then `coerceFlags`. */
export function parseFlags<T extends FlagTable>(
  command: string,
  args: string[],
  table: T,
): { values: FlagValues<T>; positionals: string[] } {
  const { values, positionals } = readFlags(command, args, table);
  return { values: coerceFlags(table, values), positionals };
}
