import type { JudgedRole, Message } from '@vigil/guard-core';
import { VigilAbortError, VigilInputError } from '@vigil/guard-core';
import { isEventStream, isJsonType, type ParsedBody, parseBody, type RawBody } from './body.js';
import { actionFor, report, type VigilDecision } from './decision.js';
import { blockedBody, unavailableBody, unprocessableBody } from './error-body.js';
import { extractRequestMessages, hasText } from './extract-request.js';
import { extractResponseText } from './extract-response.js';
import { verdictHeaders } from './headers.js';
import { moderateSse } from './moderate-sse.js';
import {
  type FailMode,
  type ResolvedOptions,
  resolveOptions,
  type VigilOptions,
  type VigilReply,
} from './options.js';
import { failureReason, runCheck } from './run-check.js';

/** A reply ready to send: serialized body and its headers. */
export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export interface RequestInfo {
  method: string;
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: RawBody;
  /** The client's signal: a disconnect aborts the check. */
  signal?: AbortSignal | undefined;
}

export interface RequestOutcome {
  /** Undefined when requests are not inspected. */
  decision: VigilDecision | undefined;
  /** The request's conversation: the context of the response check. */
  conversation: Message[];
  /** When set, send this instead of calling the handler. */
  reply: Reply | undefined;
  /** Annotation headers for the response (none in shadow mode). */
  headers: Record<string, string>;
}

export interface ResponseInfo {
  status: number;
  contentType: string | undefined;
  body: RawBody;
  signal?: AbortSignal | undefined;
}

export interface ResponseOutcome {
  decision: VigilDecision | undefined;
  /** When set, send this instead of the upstream's body. */
  reply: Reply | undefined;
  headers: Record<string, string>;
}

const noteSkip = (role: JudgedRole, reason: string): VigilDecision => ({
  role,
  action: 'skip',
  verdict: undefined,
  error: undefined,
  durationMs: 0,
  reason,
});

function serialize(reply: VigilReply): Reply {
  const text = typeof reply.body === 'string';
  return {
    status: reply.status,
    body: text ? (reply.body as string) : JSON.stringify(reply.body),
    headers: { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json', ...reply.headers },
  };
}

const skipReasons: Record<Exclude<ParsedBody['kind'], 'json' | 'text' | 'too-large'>, string> = {
  none: 'no body',
  'invalid-json': 'the body is not valid JSON (passed on intact)',
  unsupported: 'a content type that is not inspected',
};

/**
 * The framework-neutral middleware: every decision (what to check, block or pass, fail modes,
 * bodies, headers, streams). Adapters only translate requests and responses.
 * @example
 * const core = createVigilCore({ guard });
 * const outcome = await core.inspectRequest({ method: 'POST', url: '/v1/chat/completions', headers, body });
 * if (outcome.reply) return send(outcome.reply);
 */
export function createVigilCore(input: VigilOptions) {
  const options: ResolvedOptions = resolveOptions(input);
  const enforce = options.mode === 'block';
  const annotate = options.mode !== 'shadow';
  const checksRequest = options.inspect !== 'response';
  const checksResponse = options.inspect !== 'request';

  async function decideCheck(
    role: JudgedRole,
    messages: readonly Message[],
    signal: AbortSignal | undefined,
  ): Promise<{ decision: VigilDecision; reply: Reply | undefined }> {
    const started = performance.now();
    const failMode: FailMode = options.failMode[role === 'user' ? 'request' : 'response'];
    try {
      const verdict = await runCheck(options.guard, messages, {
        role,
        timeoutMs: options.timeoutMs,
        signal,
        categories: options.categories,
      });
      const decision: VigilDecision = {
        role,
        action: actionFor(verdict, options.mode),
        verdict,
        error: undefined,
        durationMs: performance.now() - started,
      };
      if (decision.action !== 'block') return { decision, reply: undefined };
      const custom = options.onBlocked ? await options.onBlocked(decision) : undefined;
      return {
        decision,
        reply: serialize(custom ?? { status: options.blockedStatus, body: blockedBody(verdict) }),
      };
    } catch (error) {
      return failed(role, error, failMode, performance.now() - started, signal);
    }
  }

  function failed(
    role: JudgedRole,
    error: unknown,
    failMode: FailMode,
    durationMs: number,
    signal?: AbortSignal,
  ): { decision: VigilDecision; reply: Reply | undefined } {
    const reason = failureReason(error);
    if (signal?.aborted || VigilAbortError.isInstance(error)) {
      const decision = { ...noteSkip(role, 'the client disconnected'), error, durationMs };
      return { decision, reply: serialize({ status: 499, body: 'client closed request' }) };
    }
    const closed = enforce && failMode === 'closed';
    const decision: VigilDecision = {
      role,
      action: closed ? 'fail-closed' : 'fail-open',
      verdict: undefined,
      error,
      durationMs,
      reason,
    };
    if (!closed) return { decision, reply: undefined };
    if (VigilInputError.isInstance(error) && role === 'user') {
      return {
        decision,
        reply: serialize({ status: 400, body: unprocessableBody('invalid_conversation', reason) }),
      };
    }
    const tooLarge = (error as { code?: unknown }).code === 'too_large';
    if (tooLarge && role === 'user') {
      return {
        decision,
        reply: serialize({ status: 413, body: unprocessableBody('request_too_large', reason) }),
      };
    }
    return { decision, reply: serialize({ status: 503, body: unavailableBody(role, reason) }) };
  }

  function tooLarge(what: string, size: number | undefined) {
    const received = size === undefined ? 'more' : `${size}`;
    return Object.assign(
      new Error(
        `${what} too large to moderate: expected at most ${options.maxBodyBytes} bytes, received ${received}`,
      ),
      { code: 'too_large' },
    );
  }

  async function requestMessages(info: RequestInfo, parsed: ParsedBody): Promise<Message[] | undefined> {
    const body = parsed.kind === 'json' ? parsed.value : parsed.kind === 'text' ? parsed.text : undefined;
    if (!options.extract) return body === undefined ? undefined : extractRequestMessages(body);
    const extracted = await options.extract({
      method: info.method,
      url: info.url,
      headers: info.headers,
      body,
    });
    if (extracted === null || extracted === undefined) return undefined;
    return typeof extracted === 'string' ? [{ role: 'user', content: extracted }] : [...extracted];
  }

  async function inspectRequest(info: RequestInfo): Promise<RequestOutcome> {
    const parsed = parseBody(info.body, info.headers['content-type']);
    let conversation: Message[] = [];
    let outcome: { decision: VigilDecision; reply: Reply | undefined };
    try {
      conversation = (await requestMessages(info, parsed)) ?? [];
      if (!checksRequest) return { decision: undefined, conversation, reply: undefined, headers: {} };
      if (parsed.kind === 'too-large') {
        outcome = failed('user', tooLarge('request body', parsed.size), options.failMode.request, 0);
      } else if (parsed.kind !== 'json' && parsed.kind !== 'text') {
        outcome = { decision: noteSkip('user', skipReasons[parsed.kind]), reply: undefined };
      } else if (!hasText(conversation, 'user')) {
        outcome = { decision: noteSkip('user', 'no user text found in the body'), reply: undefined };
      } else {
        outcome = await decideCheck('user', conversation, info.signal);
      }
    } catch (error) {
      if (!checksRequest) return { decision: undefined, conversation, reply: undefined, headers: {} };
      outcome = failed('user', error, options.failMode.request, 0, info.signal);
    }
    report(options.onDecision, outcome.decision);
    const headers = annotate ? verdictHeaders([outcome.decision]) : {};
    if (outcome.reply) Object.assign(outcome.reply.headers, headers);
    return { ...outcome, conversation, headers };
  }

  /** How a response will be inspected: `'json'` (read whole), `'sse'` (streamed) or not at all. */
  function responseKind(status: number, contentType: string | undefined): 'json' | 'sse' | undefined {
    if (!checksResponse || status < 200 || status > 299) return undefined;
    if (isEventStream(contentType)) return 'sse';
    return isJsonType(contentType) ? 'json' : undefined;
  }

  async function inspectResponse(info: ResponseInfo, request: RequestOutcome): Promise<ResponseOutcome> {
    const parsed = parseBody(info.body, info.contentType);
    let outcome: { decision: VigilDecision; reply: Reply | undefined };
    try {
      const body = parsed.kind === 'json' ? parsed.value : undefined;
      const text = options.extractResponse ? await options.extractResponse(body) : extractResponseText(body);
      if (parsed.kind === 'too-large') {
        outcome = failed('assistant', tooLarge('response body', parsed.size), options.failMode.response, 0);
      } else if (parsed.kind === 'invalid-json') {
        // A JSON response we cannot read (compressed before Vigil saw it, or garbage) is not
        // proof of safety: it follows the response fail mode.
        const error = new Error('response body: expected JSON, received unparseable bytes');
        outcome = failed('assistant', error, options.failMode.response, 0);
      } else if (!text?.trim()) {
        outcome = {
          decision: noteSkip('assistant', 'no assistant text found in the body'),
          reply: undefined,
        };
      } else {
        const messages = [...request.conversation, { role: 'assistant', content: text }];
        outcome = await decideCheck('assistant', messages, info.signal);
      }
    } catch (error) {
      outcome = failed('assistant', error, options.failMode.response, 0, info.signal);
    }
    report(options.onDecision, outcome.decision);
    const headers = annotate ? verdictHeaders([request.decision, outcome.decision]) : {};
    if (outcome.reply) Object.assign(outcome.reply.headers, headers);
    return { ...outcome, headers };
  }

  /** The moderated bytes of an SSE response. */
  function moderateStream(
    source: AsyncIterable<Uint8Array>,
    request: RequestOutcome,
    signal: AbortSignal | undefined,
    onDecision?: (decision: VigilDecision) => void,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    return moderateSse(source, {
      guard: options.guard,
      conversation: request.conversation,
      mode: options.mode,
      strategy: options.streamStrategy,
      checkTokens: options.streamCheckTokens,
      timeoutMs: options.timeoutMs,
      failMode: options.failMode.response,
      categories: options.categories,
      signal,
      onDecision: (decision) => {
        report(options.onDecision, decision);
        onDecision?.(decision);
      },
    });
  }

  return { options, annotate, checksRequest, responseKind, inspectRequest, inspectResponse, moderateStream };
}

/** The middleware core, as adapters use it. */
export type VigilCore = ReturnType<typeof createVigilCore>;
