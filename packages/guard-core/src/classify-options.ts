import { z } from 'zod';

const received = (input: unknown) =>
  input === null
    ? 'null'
    : Array.isArray(input)
      ? 'an array'
      : typeof input === 'string'
        ? `'${input}'`
        : typeof input;

/** The per-call options of `classify`, validated once per call (unknown keys are errors). */
export const classifyOptionsSchema = z.strictObject({
  role: z
    .enum(['user', 'assistant'], {
      error: (issue) => `expected 'user' or 'assistant', received ${received(issue.input)}`,
    })
    .optional(),
  categories: z
    .array(z.string({ error: (issue) => `expected a category code, received ${received(issue.input)}` }), {
      error: (issue) => `expected a list of category codes like ['S1'], received ${received(issue.input)}`,
    })
    .optional(),
  signal: z
    .instanceof(AbortSignal, {
      error: (issue) => `expected an AbortSignal, received ${received(issue.input)}`,
    })
    .optional(),
  includeCategoryProbabilities: z
    .boolean({ error: (issue) => `expected a boolean, received ${received(issue.input)}` })
    .optional(),
});
