import { withAnswer } from '@vigil/guard-core/internal';
import { isEventStream, isJsonType, type ParsedBody, parseBody } from './body.js';
import type { Exchange, RequestOutcome } from './check-request.js';
import { report } from './decision.js';
import { decodeContent } from './decode-content.js';
import { isVigilHeader, unreadResponseHeaders } from './headers.js';
import { moderateSse } from './moderate-sse.js';
import { type ResolvedOptions, streamSettings } from './options.js';
import { protocolNamed, readAnswer } from './protocols/protocols.js';
import type { Piece, ProtocolName } from './protocols/types.js';
import { readLimited, replay, streamOf } from './read-limited.js';
import { failureReason } from './run-check.js';
import { type Judged, judge, settle, unreadBody } from './settle.js';

/**
 * How a response is checked: `'sse'` (streamed: an event-stream type, or any type when the
 * request asked for a stream, as the `openai` client then parses SSE whatever the type),
 * `'json'` (read whole and sniffed: JSON, text, or bytes that follow the fail mode), or not at
 * all (responses are not inspected, or not 2xx).
 */
export function responseKind(
  options: ResolvedOptions,
  status: number,
  contentType: string | undefined,
  request: Pick<RequestOutcome, 'wantsStream'>,
): 'json' | 'sse' | undefined {
  if (options.inspect === 'request' || status < 200 || status > 299 || status === 204) return undefined;
  if (isEventStream(contentType)) return 'sse';
  if (request.wantsStream && !isJsonType(contentType)) return 'sse';
  return 'json';
}

/**
 * The annotation headers of an answer that is not read: the request's, and for an answer not
 * read because it is not 2xx (while answers are inspected), marked unchecked and never `safe`.
 */
export function unreadHeaders(
  options: ResolvedOptions,
  status: number,
  request: Pick<RequestOutcome, 'headers'>,
): Record<string, string> {
  if (options.mode === 'shadow') return {};
  if (options.inspect === 'request' || (status >= 200 && status <= 299)) return request.headers;
  return unreadResponseHeaders(request.headers);
}

/** The pieces of a parsed answer to judge (undefined: no known shape) and the protocol it speaks. */
async function answerPieces(
  options: ResolvedOptions,
  parsed: Extract<ParsedBody, { kind: 'json' | 'text' }>,
  protocol: ProtocolName,
): Promise<{ pieces: Piece[] | undefined; protocol: ProtocolName }> {
  if (parsed.kind === 'text') return { pieces: [{ channel: 'text', text: parsed.text }], protocol };
  const value = parsed.values[0];
  if (options.extractResponse) {
    const text = await options.extractResponse(value);
    return { pieces: text ? [{ channel: 'custom', text }] : [], protocol };
  }
  const fields = { toolArguments: options.judgeToolArguments, reasoning: options.judgeReasoning };
  const answer =
    typeof value === 'string'
      ? { protocol, pieces: [{ channel: 'text', text: value }] }
      : readAnswer(value, fields);
  // A text answer that merely looks like JSON is text a client shows.
  const pieces =
    answer?.pieces ?? (parsed.text === undefined ? undefined : [{ channel: 'text', text: parsed.text }]);
  return { pieces, protocol: answer && answer.protocol !== 'text' ? answer.protocol : protocol };
}

/** Judges an answer read whole, in the request's conversation. */
async function judgeAnswer(
  options: ResolvedOptions,
  parsed: ParsedBody,
  exchange: Exchange,
): Promise<{ judged: Judged; protocol: ProtocolName }> {
  const { outcome: request, signal } = exchange;
  const early = unreadBody(parsed);
  if (early) {
    const judged: Judged =
      early.outcome === 'no-text' ? { outcome: 'no-text', reason: 'no answer body' } : early;
    return { judged, protocol: request.protocol };
  }
  const { pieces, protocol } = await answerPieces(
    options,
    parsed as Extract<ParsedBody, { kind: 'json' | 'text' }>,
    request.protocol,
  );
  if (pieces === undefined)
    return {
      judged: {
        outcome: 'unreadable',
        reason: 'an answer of no known API shape (JSON with no answer field)',
      },
      protocol,
    };
  const texts = pieces.filter((piece) => piece.text.trim() !== '');
  if (texts.length === 0)
    return { judged: { outcome: 'no-text', reason: 'no assistant text found in the body' }, protocol };
  const checks = texts.map((piece) => ({
    role: 'assistant' as const,
    messages: withAnswer(request.conversation, piece.text),
  }));
  return { judged: await judge(options, checks, signal), protocol };
}

/**
 * The moderated bytes of an SSE answer, decoded first (`decodeContent`): the response that
 * carries them drops `content-encoding` (the bytes it sends are plain).
 */
function moderateStream(options: ResolvedOptions, response: Response, exchange: Exchange) {
  const { outcome: request, signal } = exchange;
  const source = decodeContent(
    response.body as ReadableStream<Uint8Array>,
    response.headers.get('content-encoding') ?? undefined,
  );
  return moderateSse(source, {
    ...streamSettings(options, request.conversation, signal),
    passUnknown: options.passUnknown.response,
    fields: { toolArguments: options.judgeToolArguments, reasoning: options.judgeReasoning },
    protocol: protocolNamed(request.protocol === 'text' ? 'openai-chat' : request.protocol).name,
    onDecision: (decision) => {
      report(options.onDecision, decision);
      exchange.context.response = decision;
    },
  });
}

/** Checks an answer read whole (JSON, text, or bytes that follow the fail mode): the answer, or the reply that replaces it. */
async function checkWhole(
  options: ResolvedOptions,
  response: Response,
  exchange: Exchange,
  headers: Headers,
) {
  const read = await readLimited(response.body as ReadableStream<Uint8Array>, options.maxBodyBytes);
  const started = performance.now();
  let judged: Judged;
  let protocol = exchange.outcome.protocol;
  try {
    const parsed = await parseBody(
      read.complete ? { kind: 'bytes', bytes: read.bytes } : { kind: 'too-large', size: undefined },
      {
        contentType: response.headers.get('content-type') ?? undefined,
        contentEncoding: response.headers.get('content-encoding') ?? undefined,
      },
      options.maxBodyBytes,
    );
    ({ judged, protocol } = await judgeAnswer(options, parsed, exchange));
  } catch (error) {
    judged = { outcome: 'failed', error, reason: failureReason(error) };
  }
  const settled = await settle(options, { role: 'assistant', judged, protocol, started }, [
    exchange.outcome.decision,
  ]);
  exchange.context.response = settled.decision;
  if (settled.reply) return settled.reply;
  for (const [name, value] of Object.entries(settled.headers)) headers.set(name, value);
  const body = read.complete ? read.bytes : streamOf(replay(read));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Checks an answer: a 2xx JSON or text answer read whole, an SSE answer moderated as it streams,
 * anything else passed with the annotation headers. The upstream's own `x-vigil-*` headers are
 * dropped in every mode: only Vigil speaks in them.
 */
export async function checkResponse(
  options: ResolvedOptions,
  response: Response,
  exchange: Exchange,
): Promise<Response> {
  const { outcome } = exchange;
  const kind = responseKind(
    options,
    response.status,
    response.headers.get('content-type') ?? undefined,
    outcome,
  );
  const unread = kind === undefined ? unreadHeaders(options, response.status, outcome) : {};
  const forged = [...response.headers.keys()].some(isVigilHeader);
  if (kind === undefined && !forged && Object.keys(unread).length === 0) return response;
  const headers = new Headers(response.headers);
  for (const name of [...headers.keys()]) if (isVigilHeader(name)) headers.delete(name);
  const init = (extra: Record<string, string>) => {
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return { status: response.status, statusText: response.statusText, headers };
  };
  if (kind === 'sse' && response.body) {
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(streamOf(moderateStream(options, response, exchange)), init(outcome.headers));
  }
  if (kind === undefined) return new Response(response.body, init(unread));
  if (kind !== 'json' || !response.body) return new Response(response.body, init(outcome.headers));
  return checkWhole(options, response, exchange, headers);
}
