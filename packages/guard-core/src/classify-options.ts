import { z } from 'zod';

const received = (input: unknown) =>
  input === null
    ? 'null'
    : Array.isArray(input)
      ? 'an array'
      : typeof input === 'string'
        ? `'${input}'`
        : typeof input;

const classifyOptionsShape = {
  /**
   * Judge the last turn of this role: a string becomes a turn of this role; a conversation is cut
   * after its last turn of this role. Defaults to the role of the last message.
   */
  role: z
    .enum(['user', 'assistant'], {
      error: (issue) => `expected 'user' or 'assistant', received ${received(issue.input)}`,
    })
    .optional(),
  /** The categories in force for this call (codes of built-in or the guard's custom categories). Defaults to the guard's policy. */
  categories: z
    .array(z.string({ error: (issue) => `expected a category code, received ${received(issue.input)}` }), {
      error: (issue) => `expected a list of category codes like ['S1'], received ${received(issue.input)}`,
    })
    .readonly()
    .optional(),
  /** Cancels the call; a waiting or running classification frees its sequence. Defaults to none. */
  signal: z
    .instanceof(AbortSignal, {
      error: (issue) => `expected an AbortSignal, received ${received(issue.input)}`,
    })
    .optional(),
  /** Read each named category's probability at the category position. Defaults to `false`. */
  includeCategoryProbabilities: z
    .boolean({ error: (issue) => `expected a boolean, received ${received(issue.input)}` })
    .default(false),
};

/** The per-call options of `classify`, validated once per call (unknown keys are errors). */
export const classifyOptionsSchema: z.ZodObject<typeof classifyOptionsShape, z.core.$strict> =
  z.strictObject(classifyOptionsShape);

/** The options of one `guard.classify()` call. */
export interface ClassifyOptions extends z.input<typeof classifyOptionsSchema> {}

type StreamClassifyShape = Omit<typeof classifyOptionsShape, 'role' | 'signal'>;

/** The classify options a streaming moderator passes on (it sets `role` and `signal` itself). */
export const streamClassifyOptionsSchema: z.ZodObject<StreamClassifyShape, z.core.$strict> =
  classifyOptionsSchema.omit({ role: true, signal: true });
