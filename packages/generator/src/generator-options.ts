import {
  checkEverySchema,
  concurrencySchema,
  contextSizeSchema,
  functionOption,
  maxQueueSchema,
  modeSchema,
  runtimeOptionsShape,
} from '@vigil/guard-core/internal';
import { z } from 'zod';
import { maxTokensSchema, temperatureSchema, topPSchema } from './chat-options.js';
import type { GeneratorGuard, RefusalContext, VerdictEvent } from './types.js';

/** Llama 3.2 3B Instruct, Q4_K_M (2.02 GB): the default chat model, downloaded on first use. */
export const defaultGeneratorModel =
  'hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf';

/** Llama 3.2 1B Instruct, Q4_K_M (0.81 GB): the default draft model of `draft: {}`, downloaded on first use. */
export const defaultDraftModel = 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf';

const draftModelShape = {
  /**
   * The draft model: a local GGUF path or an `hf:` URI (downloaded once into `modelsDir`, with
   * `onDownloadProgress`). It must share the chat model's tokenizer. Defaults to
   * {@link defaultDraftModel}.
   */
  model: z.string().min(1).default(defaultDraftModel),
  /**
   * How far the draft model may run ahead of the chat model (which checks one guess per decode:
   * see the README's "Drafting"). Defaults to `16` (node-llama-cpp's).
   */
  tokens: z.number().int().min(1).max(64).default(16),
  /**
   * Drafting pauses at a token the draft model gives a lower probability than this (`0`: never
   * pauses). Defaults to `0.6` (node-llama-cpp's).
   */
  minConfidence: z.number().min(0).max(1).default(0.6),
};

/** A draft model for assisted (speculative) generation: the options of `draft: { ... }`. */
// Annotated with its shape, so that the emitted `.d.ts` keeps each key's doc comment.
const draftModelSchema: z.ZodObject<typeof draftModelShape, z.core.$strict> = z.strictObject(draftModelShape);

/** The options of `createGenerator({ draft: { ... } })`: a draft model and its knobs. */
export interface DraftModelOptions extends z.input<typeof draftModelSchema> {}

/** The parsed `draft` option. */
export type DraftOption = false | 'lookup' | z.output<typeof draftModelSchema>;

/** The default refusal: one sentence, after a blank line when part of an answer was delivered. */
export const defaultRefusal = (context: RefusalContext) =>
  `${context.released.trim() === '' ? '' : '\n\n'}Sorry, I can't help with that.`;

const generatorOptionsShape = {
  /**
   * The chat model: a local GGUF path or an `hf:` URI (downloaded once into `modelsDir`). Its own
   * chat template (`tokenizer.chat_template`) renders the conversation. Defaults to
   * `VIGIL_GENERATOR_MODEL`, else {@link defaultGeneratorModel}.
   */
  model: z
    .string()
    .min(1)
    .default(() => process.env.VIGIL_GENERATOR_MODEL || defaultGeneratorModel),
  /** The guard that checks the input and the streamed output (from `createGuard`). The caller keeps it: `dispose()` does not dispose it. Required. */
  guard: z.custom<GeneratorGuard>(
    (value) => typeof (value as GeneratorGuard | undefined)?.classify === 'function',
    'expected a guard with a classify() method (from createGuard)',
  ),
  /**
   * `'block'`: unsafe input is refused without generating; unsafe output is cut at the check that
   * caught it, only text of windows already checked safe is delivered. `'annotate'`: everything
   * passes and the verdicts are reported (the chat app exposes them). `'shadow'`: everything
   * passes; only `onVerdict` (and the result, for the caller) see verdicts. Defaults to `'block'`.
   */
  mode: modeSchema.default('block'),
  /**
   * The text sent instead of a refused input, or after a cut answer. Defaults to `"Sorry, I can't help with that."`
   * (after a cut answer, preceded by a blank line).
   */
  refusal: z
    .union([
      z.string(),
      z.custom<(context: RefusalContext) => string>(
        (value) => typeof value === 'function',
        'expected a string or a function',
      ),
    ])
    .default(() => defaultRefusal),
  /** When the answer is checked while it streams (the window), besides a final check at its end. Defaults to `{ tokens: 64, sentence: true }`. */
  checkEvery: checkEverySchema.optional(),
  /** Called with every verdict (input, then output). Errors it throws are ignored. Defaults to none. */
  onVerdict: functionOption<(event: VerdictEvent) => void>().optional(),
  /** Tokens per chat, prompt and answer (each of `concurrency` sequences gets this many). Defaults to `4096`. */
  contextSize: contextSizeSchema.default(4096),
  /** Chats generated at once (context sequences, batched into shared decodes). Defaults to `1`. */
  concurrency: concurrencySchema.default(1),
  /** Chats allowed to wait for a free sequence before `VigilQueueFullError`. Defaults to `16`. */
  maxQueue: maxQueueSchema.default(16),
  /** Default of each chat's `maxTokens`. Defaults to `1024`. */
  maxTokens: maxTokensSchema.default(1024),
  /** Default of each chat's `temperature`. Defaults to `0.6` (Meta's). */
  temperature: temperatureSchema.default(0.6),
  /** Default of each chat's `topP`. Defaults to `0.9` (Meta's). */
  topP: topPSchema.default(0.9),
  /**
   * Assisted (speculative) generation: tokens are guessed ahead and the chat model checks a guess
   * in the same decode as its own next token, keeping it only when it would have generated it
   * itself, so a greedy answer is the same token for token. `{ model?, tokens?, minConfidence? }`: a small draft model with the same
   * tokenizer guesses (`{}` is Llama 3.2 1B Instruct Q4_K_M, checked at load: same vocabulary,
   * BOS/EOS and token texts, else `VigilConfigError`). `'lookup'`: prompt-lookup decoding, the
   * guesses are continuations of text already in the prompt (no second model). `false`: off. On a
   * CPU with a Q4 chat model drafting often costs more than it saves; measure before turning it
   * on. Defaults to `false`.
   */
  draft: z.union([z.literal(false), z.literal('lookup'), draftModelSchema]).default(false),
};

/** Validates {@link GeneratorOptions} (unknown keys are errors). */
// Annotated with the shapes it is made of: the emitted `.d.ts` then keeps each option's doc comment.
export const generatorOptionsSchema: z.ZodObject<
  typeof generatorOptionsShape & typeof runtimeOptionsShape,
  z.core.$strict
> = z.strictObject({ ...generatorOptionsShape, ...runtimeOptionsShape });

/** The options of `createGenerator`. */
export interface GeneratorOptions extends z.input<typeof generatorOptionsSchema> {}
