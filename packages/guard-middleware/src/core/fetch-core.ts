import type { RawBody } from './body.js';
import type { VigilContext } from './decision.js';
import { isVigilHeader } from './headers.js';
import type { VigilOptions } from './options.js';
import { readLimited, replay } from './read-limited.js';
import { createVigilCore, type Reply, type RequestOutcome } from './vigil-core.js';

/** One exchange between `moderateRequest` and `moderateResponse`. */
export interface Exchange {
  /** The request check's outcome (its conversation is the answer's context). */
  outcome: RequestOutcome;
  /** The decisions so far (the response's is set once checked or, for a stream, once it ends). */
  context: VigilContext;
  signal: AbortSignal | undefined;
}

/** What the request check gives an adapter. */
export interface ModeratedRequest {
  /** When set, send this instead of calling the handler. */
  reply?: Response | undefined;
  /** The request to hand on: the same method, headers and bytes, its body unread. */
  request: Request;
  exchange: Exchange;
}

/** A web stream over an async iterable of bytes. */
export const streamOf = (source: AsyncIterable<Uint8Array>) =>
  ReadableStream.from(source) as ReadableStream<Uint8Array>;

const toResponse = (reply: Reply) =>
  new Response(reply.body, { status: reply.status, headers: reply.headers });

/**
 * The middleware core in Fetch terms: `moderateRequest(Request)` and
 * `moderateResponse(Response, exchange)`. Body reading and limits, replay, and the SSE / JSON /
 * pass-through choice all live here; adapters hand over a `Request` and a `Response`.
 * @example
 * const moderator = createFetchModerator({ guard });
 * const { reply, request, exchange } = await moderator.moderateRequest(incoming);
 * if (reply) return reply;
 * return moderator.moderateResponse(await fetch(upstream, request), exchange);
 */
export function createFetchModerator(options: VigilOptions) {
  const core = createVigilCore(options);
  const max = core.options.maxBodyBytes;

  /**
   * Checks a request. `body` hands over a body read elsewhere (Express reads the Node stream
   * and puts it back); `signal` replaces the request's (a client disconnect aborts the check).
   */
  async function moderateRequest(
    request: Request,
    given: { signal?: AbortSignal | undefined; body?: RawBody | undefined } = {},
  ): Promise<ModeratedRequest> {
    const signal = given.signal ?? request.signal;
    let body: RawBody = given.body ?? { kind: 'none' };
    let handedOn = request;
    if (given.body) {
      // read by the adapter
    } else if (request.bodyUsed)
      body = { kind: 'unread', reason: 'the request body was consumed before the middleware ran' };
    else if (request.body) {
      const length = Number(request.headers.get('content-length') ?? Number.NaN);
      if (length > max) body = { kind: 'too-large', size: length };
      else {
        const read = await readLimited(request.body, max);
        body = read.complete ? { kind: 'bytes', bytes: read.bytes } : { kind: 'too-large', size: undefined };
        const { method, headers } = request;
        const bytes = read.complete ? read.bytes : streamOf(replay(read));
        handedOn = new Request(request.url, {
          method,
          headers,
          signal: request.signal,
          body: bytes,
          duplex: 'half',
        } as RequestInit);
      }
    }
    const url = new URL(request.url);
    const outcome = await core.inspectRequest({
      method: request.method,
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      body,
      signal,
    });
    const exchange: Exchange = { outcome, context: { request: outcome.decision }, signal };
    return { reply: outcome.reply ? toResponse(outcome.reply) : undefined, request: handedOn, exchange };
  }

  async function moderateResponse(response: Response, exchange: Exchange): Promise<Response> {
    const { outcome, signal } = exchange;
    const contentType = response.headers.get('content-type') ?? undefined;
    const kind = core.responseKind(response.status, contentType, outcome);
    const unread = kind === undefined ? core.unreadHeaders(response.status, outcome) : {};
    // Only Vigil speaks in `x-vigil-*`: the upstream's own are dropped, in every mode.
    const forged = [...response.headers.keys()].some(isVigilHeader);
    if (kind === undefined && !forged && Object.keys(unread).length === 0) return response;
    const headers = new Headers(response.headers);
    for (const name of [...headers.keys()]) if (isVigilHeader(name)) headers.delete(name);
    const init = (extra: Record<string, string>) => {
      for (const [name, value] of Object.entries(extra)) headers.set(name, value);
      return { status: response.status, statusText: response.statusText, headers };
    };
    if (kind === 'sse' && response.body) {
      const encoding = response.headers.get('content-encoding') ?? undefined;
      headers.delete('content-length');
      headers.delete('content-encoding');
      const moderated = core.moderateStream(
        response.body,
        outcome,
        signal,
        (decision) => {
          exchange.context.response = decision;
        },
        encoding,
      );
      return new Response(streamOf(moderated), init(outcome.headers));
    }
    if (kind === undefined) return new Response(response.body, init(unread));
    if (kind !== 'json' || !response.body) return new Response(response.body, init(outcome.headers));
    const read = await readLimited(response.body, max);
    const checked = await core.inspectResponse(
      {
        status: response.status,
        contentType,
        contentEncoding: response.headers.get('content-encoding') ?? undefined,
        body: read.complete ? { kind: 'bytes', bytes: read.bytes } : { kind: 'too-large', size: undefined },
        signal,
      },
      outcome,
    );
    exchange.context.response = checked.decision;
    if (checked.reply) return toResponse(checked.reply);
    return new Response(read.complete ? read.bytes : streamOf(replay(read)), init(checked.headers));
  }

  /**
   * True when `moderateResponse` reads this response (2xx; JSON, text, SSE): else it passes with
   * `passHeaders` for its annotation headers.
   */
  const inspects = (status: number, contentType: string | undefined, exchange: Exchange) =>
    core.responseKind(status, contentType, exchange.outcome) !== undefined;

  /** The `x-vigil-*` headers of a response that is not read (the upstream's own are never kept). */
  const passHeaders = (status: number, exchange: Exchange) => core.unreadHeaders(status, exchange.outcome);

  return {
    moderateRequest,
    passHeaders,
    moderateResponse,
    inspects,
    /** False in shadow mode: no headers, no context. */
    annotate: core.annotate,
    /** The core underneath (options, and the pieces for adapters that are not Fetch-shaped). */
    core,
  };
}

/** The Fetch-speaking middleware core. */
export type FetchModerator = ReturnType<typeof createFetchModerator>;
