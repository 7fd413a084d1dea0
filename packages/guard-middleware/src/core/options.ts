import type { Guard, Message } from '@vigil/guard-core';
import { parseOrThrow } from '@vigil/guard-core/internal';
import { z } from 'zod';
import type { VigilDecision } from './decision.js';

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

export type FailMode = 'open' | 'closed';

export interface VigilOptions {
  /** A guard from `createGuard` (or anything with its `classify`); shared by all requests. */
  guard: Pick<Guard, 'classify'>;
  /**
   * `'block'` replies with an error instead of unsafe traffic; `'annotate'` lets it through with
   * the verdict in headers and on the context; `'shadow'` lets it through silently (only
   * `onDecision` sees verdicts). Defaults to `'block'`.
   */
  mode?: 'block' | 'annotate' | 'shadow' | undefined;
  /** Which side to check. Defaults to `'both'`. */
  inspect?: 'request' | 'response' | 'both' | undefined;
  /**
   * Returns the messages (or text) to judge for a request, or `null`/`undefined` for none.
   * Defaults to the built-in extractors (OpenAI chat, responses and completions, Anthropic
   * messages, `{ prompt }`, text bodies).
   */
  extract?:
    | ((request: ExtractRequest) => MaybePromise<readonly Message[] | string | null | undefined>)
    | undefined;
  /** Returns the assistant text of a JSON response body, or `null`/`undefined` for none. Defaults to the built-in extractors. */
  extractResponse?: ((body: unknown) => MaybePromise<string | null | undefined>) | undefined;
  /**
   * Bodies larger than this (counted on the bytes received, chunked or not, and again once
   * decoded) are not read; they count as a failed check (see `failMode`). Defaults to `1048576` (1 MiB).
   */
  maxBodyBytes?: number | undefined;
  /** HTTP status of a blocked request or response. Defaults to `400`. */
  blockedStatus?: number | undefined;
  /** Builds the reply to unsafe traffic in `'block'` mode. Defaults to an OpenAI-style error body with `blockedStatus`. */
  onBlocked?: ((decision: VigilDecision) => MaybePromise<VigilReply>) | undefined;
  /**
   * What a failed check (guard error, timeout, oversized or unreadable body) does in `'block'`
   * mode: `'closed'` refuses it (503; 413 for an oversized request, 400/415 for an unreadable
   * one, 502 for an unreadable answer; a stream is ended), `'open'` lets the traffic through
   * with `x-vigil-verdict: error`. One value for both sides, or one per side. Defaults to `'closed'`.
   */
  failMode?: FailMode | { request?: FailMode | undefined; response?: FailMode | undefined } | undefined;
  /**
   * Let through what the middleware cannot read or does not recognise (a body of no known API
   * shape, token-id prompts, binary bodies, JSON answers and SSE events of no known protocol)
   * instead of applying `failMode`. Such traffic gets `action: 'skip'` with `unchecked: true` in
   * `onDecision` and `x-vigil-unchecked` in the headers. One value for both sides, or one per
   * side. Defaults to `false` (unknown is not safe).
   */
  passUnknown?: boolean | { request?: boolean | undefined; response?: boolean | undefined } | undefined;
  /**
   * Judge tool-call arguments in answers (chat `tool_calls[].function.arguments`, Responses
   * function calls, Anthropic `tool_use` input and `input_json_delta`). Defaults to `true`.
   */
  judgeToolArguments?: boolean | undefined;
  /**
   * Judge reasoning in answers (`reasoning_content`, reasoning parts and items, Anthropic
   * `thinking`). Defaults to `true`.
   */
  judgeReasoning?: boolean | undefined;
  /** Milliseconds one check may take before it fails. Defaults to `15000`. */
  timeoutMs?: number | undefined;
  /**
   * Streamed (SSE) responses: `'buffer'` holds chunks until the text in them is checked (nothing
   * unsafe reaches the client); `'progressive'` forwards at once and cuts the stream on an unsafe
   * verdict. Defaults to `'buffer'`.
   */
  streamStrategy?: 'buffer' | 'progressive' | undefined;
  /** Streamed responses are checked at sentence ends and every this many (estimated) tokens. Defaults to `64`. */
  streamCheckTokens?: number | undefined;
  /** Categories in force for these routes (codes of the guard's policy). Defaults to the guard's policy. */
  categories?: readonly string[] | undefined;
  /** Called with every decision, skips and fail-open ones included. Errors it throws are ignored. Defaults to none. */
  onDecision?: ((decision: VigilDecision) => void) | undefined;
}

const isFunction = (value: unknown) => typeof value === 'function';
export const fn = z.custom<(...args: never[]) => unknown>(isFunction, 'expected a function');
const failModeSchema = z.enum(['open', 'closed']);

/**
 * The options every Vigil middleware takes (HTTP and AI SDK): the guard, mode, sides, fail
 * modes, deadline, stream checks, categories and the decision hook. Each middleware extends it.
 */
export const sharedOptionsShape = {
  guard: z.custom<Pick<Guard, 'classify'>>(
    (value) => isFunction((value as Guard | undefined)?.classify),
    'expected a guard with a classify() method (from createGuard)',
  ),
  mode: z.enum(['block', 'annotate', 'shadow']).default('block'),
  inspect: z.enum(['request', 'response', 'both']).default('both'),
  failMode: z
    .union([
      failModeSchema,
      z.strictObject({ request: failModeSchema.optional(), response: failModeSchema.optional() }),
    ])
    .default('closed'),
  timeoutMs: z.number().int().min(1).default(15_000),
  streamStrategy: z.enum(['buffer', 'progressive']).default('buffer'),
  streamCheckTokens: z.number().int().min(1).default(64),
  categories: z.array(z.string()).min(1).optional(),
  onDecision: fn.optional(),
};

/** `failMode` as one value or one per side, resolved to one per side. */
export function perSide(
  failMode: FailMode | { request?: FailMode | undefined; response?: FailMode | undefined },
) {
  return typeof failMode === 'string'
    ? { request: failMode, response: failMode }
    : { request: failMode.request ?? 'closed', response: failMode.response ?? 'closed' };
}

/** What both stream moderators (the SSE one and the AI SDK parts one) take from the shared options. */
export interface StreamSettings {
  guard: Pick<Guard, 'classify'>;
  /** The request's conversation: the answer is judged in its context. */
  conversation: readonly Message[];
  mode: 'block' | 'annotate' | 'shadow';
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

const optionsSchema = z.strictObject({
  ...sharedOptionsShape,
  extract: fn.optional(),
  extractResponse: fn.optional(),
  maxBodyBytes: z.number().int().min(1).default(1_048_576),
  blockedStatus: z.number().int().min(400).max(599).default(400),
  onBlocked: fn.optional(),
  passUnknown: z
    .union([
      z.boolean(),
      z.strictObject({ request: z.boolean().optional(), response: z.boolean().optional() }),
    ])
    .default(false),
  judgeToolArguments: z.boolean().default(true),
  judgeReasoning: z.boolean().default(true),
});

/** Options after validation and defaults. */
export interface ResolvedOptions
  extends Required<
    Pick<VigilOptions, 'guard' | 'mode' | 'inspect' | 'maxBodyBytes' | 'blockedStatus' | 'timeoutMs'>
  > {
  failMode: { request: FailMode; response: FailMode };
  passUnknown: { request: boolean; response: boolean };
  fields: { toolArguments: boolean; reasoning: boolean };
  streamStrategy: 'buffer' | 'progressive';
  streamCheckTokens: number;
  extract: VigilOptions['extract'];
  extractResponse: VigilOptions['extractResponse'];
  onBlocked: VigilOptions['onBlocked'];
  onDecision: VigilOptions['onDecision'];
  categories: readonly string[] | undefined;
}

/** Validates middleware options. @throws VigilConfigError naming the option at fault. */
export function resolveOptions(options: VigilOptions): ResolvedOptions {
  const parsed = parseOrThrow(optionsSchema, options, 'vigil options');
  const { failMode, passUnknown, judgeToolArguments, judgeReasoning, ...rest } = parsed;
  return {
    ...rest,
    passUnknown:
      typeof passUnknown === 'boolean'
        ? { request: passUnknown, response: passUnknown }
        : { request: passUnknown.request ?? false, response: passUnknown.response ?? false },
    fields: { toolArguments: judgeToolArguments, reasoning: judgeReasoning },
    guard: options.guard,
    extract: options.extract,
    extractResponse: options.extractResponse,
    onBlocked: options.onBlocked,
    onDecision: options.onDecision,
    categories: rest.categories,
    failMode: perSide(failMode),
  };
}
