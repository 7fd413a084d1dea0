import { runtimeOptionsSchema } from '@vigil/guard-core/internal';
import { z } from 'zod';
import type { GeneratorGuard, RefusalContext, VerdictEvent } from './types.js';

const isFunction = (value: unknown) => typeof value === 'function';

export const generatorOptionsSchema = z.strictObject({
  model: z.string().min(1).optional(),
  guard: z.custom<GeneratorGuard>(
    (value) => isFunction((value as GeneratorGuard | undefined)?.classify),
    'expected a guard with a classify() method (from createGuard)',
  ),
  mode: z.enum(['block', 'annotate', 'shadow']).optional(),
  refusal: z
    .union([
      z.string(),
      z.custom<(context: RefusalContext) => string>(isFunction, 'expected a string or a function'),
    ])
    .optional(),
  checkEvery: z
    .strictObject({ tokens: z.number().int().min(1).optional(), sentence: z.boolean().optional() })
    .optional(),
  onVerdict: z.custom<(event: VerdictEvent) => void>(isFunction, 'expected a function').optional(),
  ...runtimeOptionsSchema.shape,
  maxTokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
});

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

export const chatMessagesSchema = z
  .array(
    z.strictObject({
      role: z.enum(['system', 'developer', 'user', 'assistant']),
      content: z.union([z.string(), z.array(contentPart)]),
      name: z.string().optional(),
    }),
  )
  .min(1, 'expected at least one message');

export const chatOptionsSchema = z.strictObject({
  maxTokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16)]).optional(),
  seed: z.number().int().optional(),
  signal: z.instanceof(AbortSignal).optional(),
});
