import { z } from 'zod';

// The options of one chat and its messages: a leaf that the generator's types and its factory's
// options both import.

/** Sampling settings: validators shared by the generator's defaults and each chat's own. */
export const maxTokensSchema = z.number().int().min(1);
export const temperatureSchema = z.number().min(0).max(2);
export const topPSchema = z.number().gt(0).max(1);

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

/** Validates the messages of one chat (at least one). */
export const chatMessagesSchema = z
  .array(
    z.strictObject({
      role: z.enum(['system', 'developer', 'user', 'assistant']),
      content: z.union([z.string(), z.array(contentPart)]),
      name: z.string().optional(),
    }),
  )
  .min(1, 'expected at least one message');

const chatOptionsShape = {
  /** The most tokens to generate; reaching it ends with `finishReason: 'length'`. Defaults to the generator's `maxTokens` (`1024`). */
  maxTokens: maxTokensSchema.optional(),
  /** Sampling temperature; `0` is greedy. Defaults to the generator's `temperature` (`0.6`). */
  temperature: temperatureSchema.optional(),
  /** Nucleus sampling threshold. Defaults to the generator's `topP` (`0.9`). */
  topP: topPSchema.optional(),
  /** Texts that end the answer (not included in it). Defaults to none. */
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16).readonly()]).optional(),
  /** Sampling seed, for repeatable answers. Defaults to a random one. */
  seed: z.number().int().optional(),
  /** Stops generation and pending checks and frees both models' sequences; the call rejects with `VigilAbortError`. Defaults to none. */
  signal: z.instanceof(AbortSignal).optional(),
};

/** Validates {@link ChatOptions} (unknown keys are errors). */
export const chatOptionsSchema: z.ZodObject<typeof chatOptionsShape, z.core.$strict> =
  z.strictObject(chatOptionsShape);

/** The options of one `generator.chat()` or `generator.stream()` call. */
export interface ChatOptions extends z.input<typeof chatOptionsSchema> {}
