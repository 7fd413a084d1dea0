import { z } from 'zod';
import { streamClassifyOptionsSchema } from '../classify-options.js';
import type { Message } from '../conversation/types.js';
import type { Guard } from '../guard.js';
import { failModeSchema } from '../wire/modes.js';

const checkEveryShape = {
  /** Check once the unchecked text holds about this many tokens (estimated, 4 characters a token). Defaults to `64`. */
  tokens: z.number().int().min(1).default(64),
  /** Also check at each sentence end. Defaults to `true`. */
  sentence: z.boolean().default(true),
};

/** When a streamed answer is checked (the streaming moderator's and the generator's `checkEvery`). */
export const checkEverySchema: z.ZodObject<typeof checkEveryShape, z.core.$strict> =
  z.strictObject(checkEveryShape);

/** When to check a streamed answer, besides the final check at its end. */
export interface StreamCheckEvery extends z.input<typeof checkEverySchema> {}

const strategySchema = z.enum(['buffer', 'progressive']);

/** `buffer`: release only checked text. `progressive`: release at once, cut on an unsafe verdict. */
export type StreamStrategy = z.output<typeof strategySchema>;

const streamModeratorOptionsShape = {
  /** The guard that judges the answer (anything with `createGuard`'s `classify`). Required. */
  guard: z.custom<Pick<Guard, 'classify'>>(
    (value) => typeof (value as Guard | undefined)?.classify === 'function',
    'expected a guard with a classify() method',
  ),
  /** The messages before the answer (the answer is judged in their context). Defaults to `[]`. */
  conversation: z
    .array(z.custom<Message>((value) => typeof value === 'object' && value !== null))
    .readonly()
    .default([]),
  /** How text is released around checks. Defaults to `'buffer'`. */
  strategy: strategySchema.default('buffer'),
  /** When to check, besides the final check at `end()`. Defaults to `{ tokens: 64, sentence: true }`. */
  checkEvery: checkEverySchema.default({ tokens: 64, sentence: true }),
  /** Passed to every `classify` call (categories, category probabilities). Defaults to `{}`. */
  classifyOptions: streamClassifyOptionsSchema.optional(),
  /** Milliseconds one check may take before it fails with `VigilEngineError`. Defaults to no limit. */
  timeoutMs: z.number().int().min(1).optional(),
  /**
   * What a failed check (guard error, timeout) does: `'closed'` cuts the stream like an unsafe
   * verdict; `'open'` releases the text as if it had passed. Defaults to `'closed'`.
   */
  failMode: failModeSchema.default('closed'),
  /** Aborts the pending check; later `push`/`end` calls reject with `VigilAbortError`. Defaults to none. */
  signal: z.instanceof(AbortSignal).optional(),
};

/** Validates {@link StreamModeratorOptions}. */
export const streamModeratorOptionsSchema: z.ZodObject<typeof streamModeratorOptionsShape, z.core.$strip> =
  z.object(streamModeratorOptionsShape);

/** The options of `createStreamModerator`. */
export interface StreamModeratorOptions extends z.input<typeof streamModeratorOptionsSchema> {}
