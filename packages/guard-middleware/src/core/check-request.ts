import type { Message } from '@vigil/guard-core';
import { type ParsedBody, parseBody, type RawBody } from './body.js';
import type { VigilContext, VigilDecision } from './decision.js';
import type { ResolvedOptions } from './options.js';
import { isRecord, type ProtocolName } from './protocols/types.js';
import { hasTextToJudge, isAnthropicRequest, readRequest, requestChecks } from './read-request.js';
import { failureReason } from './run-check.js';
import { type Judged, judge, settle, unreadBody } from './settle.js';

/** A request as the check reads it. */
export interface RequestInfo {
  method: string;
  /** The path and query. */
  url: string;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: RawBody;
  /** The client's signal: a disconnect aborts the check. */
  signal?: AbortSignal | undefined;
}

/** What the request check found: the context of the response check. */
export interface RequestOutcome {
  /** Undefined when requests are not inspected. */
  decision: VigilDecision | undefined;
  /** The request's conversation: the context of the response check. */
  conversation: Message[];
  /** The request's API shape: the answer's error shape when the answer does not tell. */
  protocol: ProtocolName;
  /** The request asked for a stream (`stream: true`): the answer is read as SSE whatever its type. */
  wantsStream: boolean;
  /** Annotation headers for the response (none in shadow mode). */
  headers: Record<string, string>;
  /**
   * The body as a body parser leaves it for handlers (Express's `req.body`): the JSON value (not
   * of a multipart body) or the text, when the bytes carry no content coding; else undefined.
   */
  value: unknown;
}

/** One exchange between `moderateRequest` and `moderateResponse`. */
export interface Exchange {
  /** The request check's outcome (its conversation is the answer's context). */
  outcome: RequestOutcome;
  /** The decisions so far (the response's is set once checked or, for a stream, once it ends). */
  context: VigilContext;
  signal: AbortSignal | undefined;
}

type Readable = Extract<ParsedBody, { kind: 'json' | 'text' }>;
interface Conversations {
  protocol: ProtocolName;
  conversations: Message[][];
}

/** What {@link RequestOutcome.value} holds for a parsed body. */
function parsedValue(info: RequestInfo, parsed: ParsedBody): unknown {
  if (info.body.kind !== 'bytes' || info.headers['content-encoding'] !== undefined) return undefined;
  if (parsed.kind === 'json' && !/multipart/i.test(info.headers['content-type'] ?? ''))
    return parsed.values[0];
  return parsed.kind === 'text' ? parsed.text : undefined;
}

/** The conversations of the user's `extract`. */
async function extracted(
  extract: NonNullable<ResolvedOptions['extract']>,
  info: RequestInfo,
  body: unknown,
): Promise<Conversations> {
  const { method, url, headers } = info;
  const found = await extract({ method, url, headers, body });
  const protocol: ProtocolName = isAnthropicRequest(url, headers) ? 'anthropic-messages' : 'openai-chat';
  if (found === null || found === undefined) return { protocol, conversations: [] };
  return {
    protocol,
    conversations: [typeof found === 'string' ? [{ role: 'user', content: found }] : [...found]],
  };
}

/** The request's conversations by the protocol table (or the user's `extract`). */
async function conversationsOf(
  options: ResolvedOptions,
  info: RequestInfo,
  parsed: Readable,
): Promise<Conversations | Judged> {
  const values = parsed.kind === 'json' ? parsed.values : [parsed.text];
  if (options.extract) return extracted(options.extract, info, values[0]);
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

/**
 * Checks a request: its body parsed (`parseBody`), its conversations read, each one with text
 * judged (the last user turn, and a prefill), then settled. The reply, when set, is sent instead
 * of calling the handler.
 */
export async function checkRequest(
  options: ResolvedOptions,
  info: RequestInfo,
): Promise<{ outcome: RequestOutcome; reply: Response | undefined }> {
  const started = performance.now();
  const parsed = await parseBody(
    info.body,
    { contentType: info.headers['content-type'], contentEncoding: info.headers['content-encoding'] },
    options.maxBodyBytes,
  );
  const outcome: RequestOutcome = {
    decision: undefined,
    conversation: [],
    protocol: isAnthropicRequest(info.url, info.headers) ? 'anthropic-messages' : 'openai-chat',
    wantsStream:
      parsed.kind === 'json' && parsed.values.some((value) => isRecord(value) && value.stream === true),
    headers: {},
    value: parsedValue(info, parsed),
  };
  const checks = options.inspect !== 'response';
  let judged: Judged;
  try {
    const read = unreadBody(parsed) ?? (await conversationsOf(options, info, parsed as Readable));
    if ('outcome' in read) judged = read;
    else {
      outcome.protocol = read.protocol;
      outcome.conversation = read.conversations[0] ?? [];
      const toJudge = read.conversations.filter(hasTextToJudge);
      if (!checks) judged = { outcome: 'no-text' };
      else if (toJudge.length === 0)
        judged = { outcome: 'no-text', reason: 'no user text found in the body' };
      else judged = await judge(options, toJudge.flatMap(requestChecks), info.signal);
    }
  } catch (error) {
    judged = { outcome: 'failed', error, reason: failureReason(error) };
  }
  if (!checks) return { outcome, reply: undefined };
  const settled = await settle(options, { role: 'user', judged, protocol: outcome.protocol, started });
  outcome.decision = settled.decision;
  outcome.headers = settled.headers;
  return { outcome, reply: settled.reply };
}
