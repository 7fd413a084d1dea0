import type { Guard } from '@vigil/guard-core';
import { parseOrThrow } from '@vigil/guard-core/internal';
import { z } from 'zod';
import type { VigilDecision } from '../core/decision.js';
import { type FailMode, fn, perSide, sharedOptionsShape } from '../core/options.js';

/** What the middleware judges besides the last user turn and the answer's text. */
export interface VigilJudgeOptions {
  /**
   * Tool results: in the prompt after the last user message (a call that continues a tool loop),
   * judged together with that user turn as input the model is about to read; in the answer, the
   * results of provider-executed tools. Defaults to `true`.
   */
  toolResults?: boolean | undefined;
  /** Tool-call arguments the model produced (`tool-call` content, `tool-input-delta` parts). Defaults to `true`. */
  toolCalls?: boolean | undefined;
  /** Reasoning the model produced (`reasoning` content, `reasoning-delta` parts). Defaults to `true`. */
  reasoning?: boolean | undefined;
}

export interface VigilMiddlewareOptions {
  /** A guard from `createGuard` (or anything with its `classify`); shared by all calls. */
  guard: Pick<Guard, 'classify'>;
  /**
   * `'block'` stops unsafe traffic (see `onBlocked`); `'annotate'` lets it through with the
   * verdicts in `providerMetadata.vigil`; `'shadow'` lets it through silently (only `onDecision`
   * sees verdicts). Defaults to `'block'`.
   */
  mode?: 'block' | 'annotate' | 'shadow' | undefined;
  /** Which side to check: the prompt (`request`), the answer (`response`) or both. Defaults to `'both'`. */
  inspect?: 'request' | 'response' | 'both' | undefined;
  /**
   * What a blocked call does in `'block'` mode: `'throw'` rejects it with `VigilContentFilterError`
   * (a stream cut after its start gets an `error` part with it, then `finish`); `'refuse'` answers
   * with a refusal text and `finishReason: 'content-filter'`; a function returns the refusal text.
   * Defaults to `'throw'`.
   */
  onBlocked?: 'throw' | 'refuse' | ((decision: VigilDecision) => string) | undefined;
  /** What is judged besides user text and answer text. Defaults to everything (`{ toolResults: true, toolCalls: true, reasoning: true }`). */
  judge?: VigilJudgeOptions | undefined;
  /**
   * What a failed check (guard error, timeout) does in `'block'` mode: `'closed'` blocks like an
   * unsafe verdict, `'open'` lets the traffic through. One value for both sides, or one per side.
   * Defaults to `'closed'`.
   */
  failMode?: FailMode | { request?: FailMode | undefined; response?: FailMode | undefined } | undefined;
  /** Milliseconds one check may take before it fails. Defaults to `15000`. */
  timeoutMs?: number | undefined;
  /**
   * Streams: `'buffer'` releases only text that has been checked (nothing unsafe reaches the
   * caller); `'progressive'` releases whole words at once and cuts the stream on an unsafe
   * verdict. Defaults to `'buffer'`.
   */
  streamStrategy?: 'buffer' | 'progressive' | undefined;
  /** Streams are checked at sentence ends and every this many (estimated) tokens. Defaults to `64`. */
  streamCheckTokens?: number | undefined;
  /** Categories in force for these calls (codes of the guard's policy). Defaults to the guard's policy. */
  categories?: readonly string[] | undefined;
  /** Called with every decision, skips and fail-open ones included. Errors it throws are ignored. Defaults to none. */
  onDecision?: ((decision: VigilDecision) => void) | undefined;
}

/** Options after validation and defaults. */
export interface ResolvedMiddlewareOptions {
  guard: Pick<Guard, 'classify'>;
  mode: 'block' | 'annotate' | 'shadow';
  inspect: 'request' | 'response' | 'both';
  onBlocked: 'throw' | 'refuse' | ((decision: VigilDecision) => string);
  judge: { toolResults: boolean; toolCalls: boolean; reasoning: boolean };
  failMode: { request: FailMode; response: FailMode };
  timeoutMs: number;
  streamStrategy: 'buffer' | 'progressive';
  streamCheckTokens: number;
  categories: readonly string[] | undefined;
  onDecision: ((decision: VigilDecision) => void) | undefined;
}

const optionsSchema = z.strictObject({
  ...sharedOptionsShape,
  onBlocked: z.union([z.enum(['throw', 'refuse']), fn]).default('throw'),
  judge: z
    .strictObject({
      toolResults: z.boolean().default(true),
      toolCalls: z.boolean().default(true),
      reasoning: z.boolean().default(true),
    })
    .default({ toolResults: true, toolCalls: true, reasoning: true }),
});

/** Validates the middleware's options. @throws VigilConfigError naming the option at fault. */
export function resolveMiddlewareOptions(options: VigilMiddlewareOptions): ResolvedMiddlewareOptions {
  const parsed = parseOrThrow(optionsSchema, options, 'vigilMiddleware options');
  const { failMode } = parsed;
  const onBlocked = options.onBlocked ?? 'throw';
  return {
    ...parsed,
    guard: options.guard,
    onBlocked,
    onDecision: options.onDecision,
    categories: parsed.categories,
    failMode: perSide(failMode),
  };
}
