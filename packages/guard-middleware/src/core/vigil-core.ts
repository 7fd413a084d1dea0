import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { JudgedRole, Message, Verdict } from '@vigil/guard-core';
import { VigilAbortError, VigilInputError } from '@vigil/guard-core';
import { withAnswer } from '@vigil/guard-core/internal';
import { isEventStream, isJsonType, type ParsedBody, parseBody, type RawBody } from './body.js';
import { type CheckOutcome, decide, report, type VigilDecision } from './decision.js';
import { refusalBody } from './error-body.js';
import { unreadResponseHeaders, verdictHeaders } from './headers.js';
import { moderateSse } from './moderate-sse.js';
import {
  type ResolvedOptions,
  resolveOptions,
  streamSettings,
  type VigilOptions,
  type VigilReply,
} from './options.js';
import { protocolNamed, readAnswer } from './protocols/protocols.js';
import { isRecord, type Piece, type ProtocolName } from './protocols/types.js';
import {
  hasTextToJudge,
  isAnthropicRequest,
  type RequestCheck,
  readRequest,
  requestChecks,
} from './read-request.js';
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
  /** Lower-cased header names. */
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
  /** The request's API shape: the answer's error shape when the answer does not tell. */
  protocol: ProtocolName;
  /** The request asked for a stream (`stream: true`): the answer is read as SSE whatever its type. */
  wantsStream: boolean;
  /** When set, send this instead of calling the handler. */
  reply: Reply | undefined;
  /** Annotation headers for the response (none in shadow mode). */
  headers: Record<string, string>;
  /**
   * The body as a body parser leaves it for handlers (Express's `req.body`): the JSON value (not
   * of a multipart body) or the text, when the bytes carry no content coding; else undefined.
   */
  value: unknown;
}

/** What {@link RequestOutcome.value} holds for a parsed body. */
function parsedValue(parsed: ParsedBody, type: string | undefined, coding: string | undefined): unknown {
  if (coding !== undefined) return undefined;
  if (parsed.kind === 'json' && !/multipart/i.test(type ?? '')) return parsed.values[0];
  return parsed.kind === 'text' ? parsed.text : undefined;
}

export interface ResponseInfo {
  status: number;
  contentType: string | undefined;
  contentEncoding?: string | undefined;
  body: RawBody;
  signal?: AbortSignal | undefined;
}

export interface ResponseOutcome {
  decision: VigilDecision | undefined;
  /** When set, send this instead of the upstream's body. */
  reply: Reply | undefined;
  headers: Record<string, string>;
}

interface Judged {
  outcome: CheckOutcome;
  verdict?: Verdict | undefined;
  error?: unknown;
  reason?: string | undefined;
}

function serialize(reply: VigilReply): Reply {
  const text = typeof reply.body === 'string';
  return {
    status: reply.status,
    body: text ? (reply.body as string) : JSON.stringify(reply.body),
    headers: { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json', ...reply.headers },
  };
}

/** The judged outcome of a body that was not read to the end. */
function unread(parsed: ParsedBody): Judged | undefined {
  switch (parsed.kind) {
    case 'none':
      return { outcome: 'no-text', reason: 'no body' };
    case 'too-large':
      return { outcome: 'too-large', error: parsed.error, reason: parsed.error.message };
    case 'unreadable':
      return { outcome: 'unreadable', reason: parsed.reason };
    case 'unsupported':
      return { outcome: 'unsupported', reason: parsed.reason };
    default:
      return undefined;
  }
}

/** Undoes a stream's `Content-Encoding` (gzip, deflate, br), or hands it back as it is. */
function decodedStream(
  source: AsyncIterable<Uint8Array>,
  encoding: string | undefined,
): AsyncIterable<Uint8Array> {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return source;
  const decoder =
    coding === 'gzip' || coding === 'x-gzip'
      ? createGunzip()
      : coding === 'deflate'
        ? createInflate()
        : coding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) {
    return (async function* () {
      yield* [];
      throw new Error(`Content-Encoding: expected gzip, deflate or br, received '${coding}'`);
    })();
  }
  return Readable.from(source).pipe(decoder);
}

/**
 * The framework-neutral middleware: every decision (what to check, block or pass, fail modes,
 * bodies, headers, streams). Adapters only hand over bytes and streams.
 * @example
 * const core = createVigilCore({ guard });
 * const outcome = await core.inspectRequest({ method: 'POST', url: '/v1/chat/completions', headers, body });
 * if (outcome.reply) return send(outcome.reply);
 */
export function createVigilCore(input: VigilOptions) {
  const options: ResolvedOptions = resolveOptions(input);
  const annotate = options.mode !== 'shadow';
  const checksRequest = options.inspect !== 'response';
  const checksResponse = options.inspect !== 'request';

  /** Judges conversations (each its own check, as its role); the first unsafe verdict wins. */
  async function judge(checks: readonly RequestCheck[], signal: AbortSignal | undefined): Promise<Judged> {
    let verdict: Verdict | undefined;
    for (const { role, messages } of checks) {
      try {
        const current = await runCheck(options.guard, messages, {
          role,
          timeoutMs: options.timeoutMs,
          signal,
          categories: options.categories,
        });
        verdict ??= current;
        if (!current.safe) return { outcome: 'unsafe', verdict: current };
      } catch (error) {
        const reason = failureReason(error);
        if (signal?.aborted || VigilAbortError.isInstance(error))
          return { outcome: 'aborted', error, reason: 'the client disconnected' };
        if (VigilInputError.isInstance(error)) return { outcome: 'invalid-conversation', error, reason };
        return { outcome: 'failed', error, reason };
      }
    }
    return { outcome: 'safe', verdict };
  }

  async function settle(
    role: JudgedRole,
    judged: Judged,
    protocol: ProtocolName,
    durationMs: number,
  ): Promise<{ decision: VigilDecision; reply: Reply | undefined }> {
    const side = role === 'user' ? 'request' : 'response';
    const decided = decide(
      {
        mode: options.mode,
        failMode: options.failMode[side],
        passUnknown: options.passUnknown[side],
        side,
        outcome: judged.outcome,
      },
      options.blockedStatus,
    );
    const decision: VigilDecision = {
      role,
      action: decided.action,
      verdict: judged.verdict,
      error: judged.error,
      durationMs,
      ...(judged.reason === undefined ? {} : { reason: judged.reason }),
      ...(decided.unchecked ? { unchecked: true } : {}),
    };
    if (!decided.refusal) return { decision, reply: undefined };
    if (decided.refusal.body === 'client-closed')
      return {
        decision,
        reply: serialize({ status: decided.refusal.status, body: 'client closed request' }),
      };
    if (decided.refusal.body === 'blocked' && options.onBlocked) {
      return { decision, reply: serialize(await options.onBlocked(decision)) };
    }
    const body = refusalBody(decided.refusal.body, protocol, {
      role,
      reason: judged.reason ?? 'the check failed',
      verdict: judged.verdict,
    });
    return { decision, reply: serialize({ status: decided.refusal.status, body }) };
  }

  /** The request's conversations by the protocol table (or the user's `extract`). */
  async function conversationsOf(
    info: RequestInfo,
    parsed: Extract<ParsedBody, { kind: 'json' | 'text' }>,
  ): Promise<{ protocol: ProtocolName; conversations: Message[][] } | Judged> {
    const anthropic = isAnthropicRequest(info.url, info.headers);
    const values = parsed.kind === 'json' ? parsed.values : [parsed.text];
    if (options.extract) {
      const extracted = await options.extract({
        method: info.method,
        url: info.url,
        headers: info.headers,
        body: values[0],
      });
      const protocol: ProtocolName = anthropic ? 'anthropic-messages' : 'openai-chat';
      if (extracted === null || extracted === undefined) return { protocol, conversations: [] };
      return {
        protocol,
        conversations: [
          typeof extracted === 'string' ? [{ role: 'user', content: extracted }] : [...extracted],
        ],
      };
    }
    const conversations: Message[][] = [];
    let protocol: ProtocolName | undefined;
    let unrecognized: string | undefined;
    for (const value of values) {
      const reading = readRequest(value, info.url, info.headers);
      if (reading.kind === 'unreadable') return { outcome: 'unreadable', reason: reading.reason };
      if (reading.kind === 'unrecognized') unrecognized ??= reading.reason;
      else {
        protocol ??= reading.protocol;
        conversations.push(...reading.conversations);
      }
    }
    if (protocol === undefined)
      return { outcome: 'unreadable', reason: unrecognized ?? 'an unrecognised body' };
    return { protocol, conversations };
  }

  async function inspectRequest(info: RequestInfo): Promise<RequestOutcome> {
    const started = performance.now();
    const parsed = parseBody(
      info.body,
      { contentType: info.headers['content-type'], contentEncoding: info.headers['content-encoding'] },
      options.maxBodyBytes,
    );
    const wantsStream =
      parsed.kind === 'json' && parsed.values.some((value) => isRecord(value) && value.stream === true);
    const value =
      info.body.kind === 'bytes'
        ? parsedValue(parsed, info.headers['content-type'], info.headers['content-encoding'])
        : undefined;
    let protocol: ProtocolName = isAnthropicRequest(info.url, info.headers)
      ? 'anthropic-messages'
      : 'openai-chat';
    let conversation: Message[] = [];
    let judged: Judged;
    try {
      const read =
        unread(parsed) ??
        (await conversationsOf(info, parsed as Extract<ParsedBody, { kind: 'json' | 'text' }>));
      if ('outcome' in read) judged = read;
      else {
        protocol = read.protocol;
        conversation = read.conversations[0] ?? [];
        const toJudge = read.conversations.filter(hasTextToJudge);
        if (!checksRequest) judged = { outcome: 'no-text' };
        else if (toJudge.length === 0)
          judged = { outcome: 'no-text', reason: 'no user text found in the body' };
        else judged = await judge(toJudge.flatMap(requestChecks), info.signal);
      }
    } catch (error) {
      judged = { outcome: 'failed', error, reason: failureReason(error) };
    }
    if (!checksRequest)
      return {
        decision: undefined,
        conversation,
        protocol,
        wantsStream,
        reply: undefined,
        headers: {},
        value,
      };
    const outcome = await settle('user', judged, protocol, performance.now() - started);
    report(options.onDecision, outcome.decision);
    const headers = annotate ? verdictHeaders([outcome.decision]) : {};
    if (outcome.reply) Object.assign(outcome.reply.headers, headers);
    return { ...outcome, conversation, protocol, wantsStream, headers, value };
  }

  /**
   * How a response will be inspected: `'sse'` (streamed: an event-stream type, or any type when
   * the request asked for a stream, as the `openai` client then parses SSE whatever the type),
   * `'json'` (read whole and sniffed: JSON, text, or bytes that follow the fail mode), or not at
   * all (responses are not inspected, or not 2xx).
   */
  function responseKind(
    status: number,
    contentType: string | undefined,
    request?: Pick<RequestOutcome, 'wantsStream'>,
  ): 'json' | 'sse' | undefined {
    if (!checksResponse || status < 200 || status > 299 || status === 204) return undefined;
    if (isEventStream(contentType)) return 'sse';
    if (request?.wantsStream && !isJsonType(contentType)) return 'sse';
    return 'json';
  }

  /**
   * The annotation headers of an answer that is not read: the request's, and for an answer not
   * read because it is not 2xx (while answers are inspected), marked unchecked and never `safe`.
   */
  function unreadHeaders(status: number, request: Pick<RequestOutcome, 'headers'>): Record<string, string> {
    if (!annotate) return {};
    if (!checksResponse || (status >= 200 && status <= 299)) return request.headers;
    return unreadResponseHeaders(request.headers);
  }

  async function inspectResponse(info: ResponseInfo, request: RequestOutcome): Promise<ResponseOutcome> {
    const started = performance.now();
    const parsed = parseBody(
      info.body,
      { contentType: info.contentType, contentEncoding: info.contentEncoding },
      options.maxBodyBytes,
    );
    let protocol = request.protocol;
    let judged: Judged;
    try {
      const early = unread(parsed);
      if (early)
        judged = early.outcome === 'no-text' ? { outcome: 'no-text', reason: 'no answer body' } : early;
      else {
        let pieces: Piece[] | undefined;
        if (parsed.kind === 'text') pieces = [{ channel: 'text', text: parsed.text }];
        else if (options.extractResponse) {
          const text = await options.extractResponse((parsed as { values: unknown[] }).values[0]);
          pieces = text ? [{ channel: 'custom', text }] : [];
        } else {
          const value = (parsed as { values: unknown[] }).values[0];
          const answer =
            typeof value === 'string'
              ? { protocol, pieces: [{ channel: 'text', text: value }] }
              : readAnswer(value, options.fields);
          if (answer) protocol = answer.protocol === 'text' ? protocol : answer.protocol;
          // A text answer that merely looks like JSON is text a client shows.
          const text = (parsed as { text?: string }).text;
          pieces = answer?.pieces ?? (text === undefined ? undefined : [{ channel: 'text', text }]);
        }
        if (pieces === undefined)
          judged = {
            outcome: 'unreadable',
            reason: 'an answer of no known API shape (JSON with no answer field)',
          };
        else {
          const texts = pieces.filter((piece) => piece.text.trim() !== '');
          judged =
            texts.length === 0
              ? { outcome: 'no-text', reason: 'no assistant text found in the body' }
              : await judge(
                  texts.map((piece) => ({
                    role: 'assistant',
                    messages: withAnswer(request.conversation, piece.text),
                  })),
                  info.signal,
                );
        }
      }
    } catch (error) {
      judged = { outcome: 'failed', error, reason: failureReason(error) };
    }
    const outcome = await settle('assistant', judged, protocol, performance.now() - started);
    report(options.onDecision, outcome.decision);
    const headers = annotate ? verdictHeaders([request.decision, outcome.decision]) : {};
    if (outcome.reply) Object.assign(outcome.reply.headers, headers);
    return { ...outcome, headers };
  }

  /**
   * The moderated bytes of an SSE response. A content-encoded stream is decoded first: the
   * adapter must then drop the `content-encoding` header (the bytes it sends are plain).
   */
  function moderateStream(
    source: AsyncIterable<Uint8Array>,
    request: RequestOutcome,
    signal: AbortSignal | undefined,
    onDecision?: (decision: VigilDecision) => void,
    contentEncoding?: string | undefined,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    return moderateSse(decodedStream(source, contentEncoding), {
      ...streamSettings(options, request.conversation, signal),
      passUnknown: options.passUnknown.response,
      fields: options.fields,
      protocol: protocolNamed(request.protocol === 'text' ? 'openai-chat' : request.protocol).name,
      onDecision: (decision) => {
        report(options.onDecision, decision);
        onDecision?.(decision);
      },
    });
  }

  return {
    options,
    annotate,
    checksRequest,
    responseKind,
    unreadHeaders,
    inspectRequest,
    inspectResponse,
    moderateStream,
  };
}

/** The middleware core, as adapters use it. */
export type VigilCore = ReturnType<typeof createVigilCore>;
