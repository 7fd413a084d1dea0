import type { Guard, Message } from '@vigil/guard-core';
import {
  type FailMode,
  failModeSchema,
  modeSchema,
  parseOrThrow,
  type VigilMode,
} from '@vigil/guard-core/internal';
import { z } from 'zod';
import type { VigilDecision } from './decision.js';

export type { FailMode, VigilMode } from '@vigil/guard-core/internal';

type MaybePromise<T> = T | Promise<T>;

/** What an `extract` function sees of a request. */
export interface ExtractRequest {
  method: string;
  /** The path and query. */
  url: string;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body: parsed JSON, a string for text bodies, or `undefined` when there is none. */
  body: unknown;
}

/** A reply sent instead of the upstream's. A non-string `body` is sent as JSON. */
export interface VigilReply {
  status: number;
  body: unknown;
  headers?: Readonly<Record<string, string>> | undefined;
}

const isFunction = (value: unknown) => typeof value === 'function';

/** A function option: checked to be a function, typed as `T`. */
export const fn = <T extends (...args: never[]) => unknown>() =>
  z.custom<T>(isFunction, 'expected a function');

/** One value for both sides, or one per side; resolved to one per side (a side left out takes `fallback`). */
export function perSideSchema<T extends z.ZodType>(value: T, fallback: z.output<T>) {
  return z
    .union([value, z.strictObject({ request: value.optional(), response: value.optional() })])
    .default(fallback as never)
    .transform((given) => {
      type Value = z.output<T>;
      if (typeof given !== 'object' || given === null)
        return { request: given as Value, response: given as Value };
      const sides = given as { request?: Value; response?: Value };
      return { request: sides.request ?? fallback, response: sides.response ?? fallback };
    });
}

/**
 * The options every Vigil middleware takes (HTTP and AI SDK): the guard, mode, sides, fail
 * modes, deadline, stream checks, categories and the decision hook. Each middleware spreads it.
 */
export const sharedOptionsShape = {
  /** A guard from `createGuard` (or anything with its `classify`); shared by all requests. Required. */
  guard: z.custom<Pick<Guard, 'classify'>>(
    (value) => isFunction((value as Guard | undefined)?.classify),
    'expected a guard with a classify() method (from createGuard)',
  ),
  /**
   * `'block'` refuses unsafe traffic; `'annotate'` lets it through with the verdict attached
   * (headers and context, or `providerMetadata.vigil`); `'shadow'` lets it through silently (only
   * `onDecision` sees verdicts). Defaults to `'block'`.
   */
  mode: modeSchema.default('block'),
  /** Which side to check: the request (prompt), the response (answer) or both. Defaults to `'both'`. */
  inspect: z.enum(['request', 'response', 'both']).default('both'),
  /**
   * What a failed check (guard error, timeout; for HTTP also an oversized or unreadable body)
   * does in `'block'` mode: `'closed'` refuses it (HTTP: 503; 413 for an oversized request,
   * 400/415 for an unreadable one, 502 for an unreadable answer; a stream is ended), `'open'`
   * lets the traffic through (HTTP: with `x-vigil-verdict: error`). One value for both sides, or
   * one per side. Defaults to `'closed'`.
   */
  failMode: perSideSchema<typeof failModeSchema>(failModeSchema, 'closed'),
  /** Milliseconds one check may take before it fails. Defaults to `15000`. */
  timeoutMs: z.number().int().min(1).default(15_000),
  /**
   * Streamed answers: `'buffer'` holds text until it is checked (nothing unsafe reaches the
   * client); `'progressive'` forwards at once and cuts the stream on an unsafe verdict.
   * Defaults to `'buffer'`.
   */
  streamStrategy: z.enum(['buffer', 'progressive']).default('buffer'),
  /** Streamed answers are checked at sentence ends and every this many (estimated) tokens. Defaults to `64`. */
  streamCheckTokens: z.number().int().min(1).default(64),
  /** Categories in force for these routes (codes of the guard's policy). Defaults to the guard's policy. */
  categories: z.array(z.string()).min(1).readonly().optional(),
  /** Called with every decision, skips and fail-open ones included. Errors it throws are ignored. Defaults to none. */
  onDecision: fn<(decision: VigilDecision) => void>().optional(),
};

const httpOptionsShape = {
  /**
   * Returns the messages (or text) to judge for a request, or `null`/`undefined` for none.
   * Defaults to the built-in extractors (OpenAI chat, responses and completions, Anthropic
   * messages, `{ prompt }`, text bodies).
   */
  extract:
    fn<
      (request: ExtractRequest) => MaybePromise<readonly Message[] | string | null | undefined>
    >().optional(),
  /** Returns the assistant text of a JSON response body, or `null`/`undefined` for none. Defaults to the built-in extractors. */
  extractResponse: fn<(body: unknown) => MaybePromise<string | null | undefined>>().optional(),
  /**
   * Bodies larger than this (counted on the bytes received, chunked or not, and again once
   * decoded) are not read; they count as a failed check (see `failMode`). Defaults to `1048576` (1 MiB).
   */
  maxBodyBytes: z.number().int().min(1).default(1_048_576),
  /** HTTP status of a blocked request or response. Defaults to `400`. */
  blockedStatus: z.number().int().min(400).max(599).default(400),
  /** Builds the reply to unsafe traffic in `'block'` mode. Defaults to an OpenAI-style error body with `blockedStatus`. */
  onBlocked: fn<(decision: VigilDecision) => MaybePromise<VigilReply>>().optional(),
  /**
   * Let through what the middleware cannot read or does not recognise (a body of no known API
   * shape, token-id prompts, binary bodies, JSON answers and SSE events of no known protocol)
   * instead of applying `failMode`. Such traffic gets `action: 'skip'` with `unchecked: true` in
   * `onDecision` and `x-vigil-unchecked` in the headers. One value for both sides, or one per
   * side. Defaults to `false` (unknown is not safe).
   */
  passUnknown: perSideSchema(z.boolean(), false),
  /**
   * Judge tool-call arguments in answers (chat `tool_calls[].function.arguments`, Responses
   * function calls, Anthropic `tool_use` input and `input_json_delta`). Defaults to `true`.
   */
  judgeToolArguments: z.boolean().default(true),
  /**
   * Judge reasoning in answers (`reasoning_content`, reasoning parts and items, Anthropic
   * `thinking`). Defaults to `true`.
   */
  judgeReasoning: z.boolean().default(true),
};

/** Validates {@link VigilOptions}. */
export const vigilOptionsSchema: z.ZodObject<
  typeof sharedOptionsShape & typeof httpOptionsShape,
  z.core.$strict
> = z.strictObject({ ...sharedOptionsShape, ...httpOptionsShape });

/** The options of the HTTP middleware (`vigil()` of `/hono` and `/express`, `createFetchModerator`). */
export interface VigilOptions extends z.input<typeof vigilOptionsSchema> {}

/** Options after validation and defaults: `failMode` and `passUnknown` one per side. */
export type ResolvedOptions = z.output<typeof vigilOptionsSchema>;

/** Validates middleware options. @throws VigilConfigError naming the option at fault. */
export function resolveOptions(options: VigilOptions): ResolvedOptions {
  return parseOrThrow(vigilOptionsSchema, options, 'vigil options');
}

/** What both stream moderators (the SSE one and the AI SDK parts one) take from the shared options. */
export interface StreamSettings {
  guard: Pick<Guard, 'classify'>;
  /** The request's conversation: the answer is judged in its context. */
  conversation: readonly Message[];
  mode: VigilMode;
  strategy: 'buffer' | 'progressive';
  checkTokens: number;
  timeoutMs: number;
  failMode: FailMode;
  categories?: readonly string[] | undefined;
  /** The client's (or the call's) signal: it aborts pending checks. */
  signal?: AbortSignal | undefined;
}

/** The {@link StreamSettings} of resolved options (the response side's fail mode). */
export function streamSettings(
  options: Pick<
    ResolvedOptions,
    'guard' | 'mode' | 'streamStrategy' | 'streamCheckTokens' | 'timeoutMs' | 'failMode' | 'categories'
  >,
  conversation: readonly Message[],
  signal: AbortSignal | undefined,
): StreamSettings {
  return {
    guard: options.guard,
    conversation,
    mode: options.mode,
    strategy: options.streamStrategy,
    checkTokens: options.streamCheckTokens,
    timeoutMs: options.timeoutMs,
    failMode: options.failMode.response,
    categories: options.categories,
    signal,
  };
}
