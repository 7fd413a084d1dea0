import { z } from 'zod';

/**
 * What a guard does with an unsafe verdict, written once for every package (middleware, AI SDK,
 * generator, server, CLI flags):
 * - `'block'`: refuse the traffic (an error response, a cut stream);
 * - `'annotate'`: let it through and say so (headers, `x_vigil` fields, `onDecision`);
 * - `'shadow'`: let it through silently; only `onDecision` and the logs see the verdict.
 */
export const modeSchema: z.ZodEnum<{ block: 'block'; annotate: 'annotate'; shadow: 'shadow' }> = z.enum([
  'block',
  'annotate',
  'shadow',
]);

/** `'block'`, `'annotate'` or `'shadow'`: see {@link modeSchema}. */
export type VigilMode = z.output<typeof modeSchema>;

/**
 * What a failed check does (guard down, timeout, a body that cannot be read), written once for
 * every package: `'closed'` refuses the traffic as an unsafe verdict would (only in mode
 * `'block'`); `'open'` lets it through, marked unchecked.
 */
export const failModeSchema: z.ZodEnum<{ open: 'open'; closed: 'closed' }> = z.enum(['open', 'closed']);

/** `'open'` or `'closed'`: see {@link failModeSchema}. */
export type FailMode = z.output<typeof failModeSchema>;
