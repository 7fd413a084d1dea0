import { parseOrThrow } from '@vigil/guard-core/internal';
import { z } from 'zod';
import type { VigilDecision } from '../core/decision.js';
import { fn, sharedOptionsShape } from '../core/options.js';

const judgeShape = {
  /**
   * Tool results: in the prompt after the last user message (a call that continues a tool loop),
   * judged together with that user turn as input the model is about to read; in the answer, the
   * results of provider-executed tools. Defaults to `true`.
   */
  toolResults: z.boolean().default(true),
  /** Tool-call arguments the model produced (`tool-call` content, `tool-input-delta` parts). Defaults to `true`. */
  toolCalls: z.boolean().default(true),
  /** Reasoning the model produced (`reasoning` content, `reasoning-delta` parts). Defaults to `true`. */
  reasoning: z.boolean().default(true),
};

/** Validates {@link VigilJudgeOptions}. */
const judgeSchema: z.ZodObject<typeof judgeShape, z.core.$strict> = z.strictObject(judgeShape);

/** What the middleware judges besides the last user turn and the answer's text. */
export interface VigilJudgeOptions extends z.input<typeof judgeSchema> {}

const middlewareOptionsShape = {
  /**
   * What a blocked call does in `'block'` mode: `'throw'` rejects it with `VigilContentFilterError`
   * (a stream cut after its start gets an `error` part with it, then `finish`); `'refuse'` answers
   * with a refusal text and `finishReason: 'content-filter'`; a function returns the refusal text.
   * Defaults to `'throw'`.
   */
  onBlocked: z
    .union([z.enum(['throw', 'refuse']), fn<(decision: VigilDecision) => string>()])
    .default('throw'),
  /** What is judged besides user text and answer text. Defaults to everything (`{ toolResults: true, toolCalls: true, reasoning: true }`). */
  judge: judgeSchema.default({ toolResults: true, toolCalls: true, reasoning: true }),
};

/** Validates {@link VigilMiddlewareOptions}. */
const middlewareOptionsSchema: z.ZodObject<
  typeof sharedOptionsShape & typeof middlewareOptionsShape,
  z.core.$strict
> = z.strictObject({ ...sharedOptionsShape, ...middlewareOptionsShape });

/**
 * The options of `vigilMiddleware` (`@vigil/guard-middleware/ai-sdk`). In `'annotate'` mode the
 * verdicts are in `providerMetadata.vigil`.
 */
export interface VigilMiddlewareOptions extends z.input<typeof middlewareOptionsSchema> {}

/** The middleware's options as validated: every default filled, `failMode` one per side. */
export type ResolvedMiddlewareOptions = z.output<typeof middlewareOptionsSchema>;

/** Validates the middleware's options (`failMode` resolved to one per side). @throws VigilConfigError naming the option at fault. */
export function resolveMiddlewareOptions(options: VigilMiddlewareOptions): ResolvedMiddlewareOptions {
  return parseOrThrow(middlewareOptionsSchema, options, 'vigilMiddleware options');
}
