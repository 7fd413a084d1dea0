import { z } from 'zod';
import { VigilConfigError } from './errors.js';

/** `options.categories[0]` from `['options', 'categories', 0]`. */
export function formatPath(path: readonly PropertyKey[]) {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, '');
}

/**
 * Parses a value with a zod schema at an API boundary.
 * @throws VigilConfigError (or `ErrorClass`) "where: what was wrong", naming the first failing path.
 * @example
 * const options = parseOrThrow(optionsSchema, input, 'createGenerator options');
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  ErrorClass: new (message: string) => Error = VigilConfigError,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ErrorClass(`${formatPath([where, ...(issue?.path ?? [])])}: ${issue?.message ?? 'invalid'}`);
}

/** A function-valued option, typed as `F` for callers (zod checks only that it is a function). */
export const functionOption = <F>() =>
  z.custom<F>((value) => typeof value === 'function', 'expected a function');

type WithoutDefaults<S extends z.ZodRawShape> = {
  [K in keyof S]: S[K] extends z.ZodDefault<infer T> ? z.ZodOptional<T> : S[K];
};

/**
 * A shape with each `.default()` field made merely optional: for settings read in layers (a
 * policy file, flags), where a key left out must stay out so that a later layer can fill it.
 */
export function withoutDefaults<S extends z.ZodRawShape>(shape: S): WithoutDefaults<S> {
  const entries = Object.entries(shape).map(([key, field]) => [
    key,
    field instanceof z.ZodDefault ? (field.removeDefault() as z.ZodType).optional() : field,
  ]);
  return Object.fromEntries(entries) as WithoutDefaults<S>;
}
