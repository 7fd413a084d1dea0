import type { RawBody } from './body.js';
import { checkRequest, type Exchange } from './check-request.js';
import { checkResponse, responseKind, unreadHeaders } from './check-response.js';
import { resolveOptions, type VigilOptions } from './options.js';
import { readBody } from './read-body.js';

export type { Exchange, RequestOutcome } from './check-request.js';

/** What the request check gives an adapter. */
export interface ModeratedRequest {
  /** When set, send this instead of calling the handler. */
  reply?: Response | undefined;
  /** The request to hand on: the same method, headers and bytes, its body unread. */
  request: Request;
  exchange: Exchange;
}

/**
 * The middleware core, in Fetch terms: `moderateRequest(Request)` and `moderateResponse(Response,
 * exchange)`. Every decision is made here (through reading the request, checking the request,
 * checking the response and settling); adapters only hand over a `Request` and a `Response`.
 * @example
 * const moderator = createFetchModerator({ guard });
 * const { reply, request, exchange } = await moderator.moderateRequest(incoming);
 * if (reply) return reply;
 * return moderator.moderateResponse(await fetch(upstream, request), exchange);
 */
export function createFetchModerator(input: VigilOptions) {
  const options = resolveOptions(input);

  /**
   * Checks a request. `body` hands over a body read elsewhere (the node:http bridge reads the
   * Node stream and puts it back); `signal` replaces the request's (a client disconnect aborts the check).
   */
  async function moderateRequest(
    request: Request,
    given: { signal?: AbortSignal | undefined; body?: RawBody | undefined } = {},
  ): Promise<ModeratedRequest> {
    const signal = given.signal ?? request.signal;
    const read = given.body ? { body: given.body, request } : await readBody(request, options.maxBodyBytes);
    const url = new URL(request.url);
    const { outcome, reply } = await checkRequest(options, {
      method: request.method,
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      body: read.body,
      signal,
    });
    const exchange: Exchange = { outcome, context: { request: outcome.decision }, signal };
    return { reply, request: read.request, exchange };
  }

  return {
    moderateRequest,
    /** Checks the handler's (or upstream's) answer: the answer to send, moderated or replaced. */
    moderateResponse: (response: Response, exchange: Exchange) => checkResponse(options, response, exchange),
    /**
     * True when `moderateResponse` reads this response (2xx; JSON, text, SSE): else it passes with
     * `passHeaders` for its annotation headers.
     */
    inspects: (status: number, contentType: string | undefined, exchange: Exchange) =>
      responseKind(options, status, contentType, exchange.outcome) !== undefined,
    /** The `x-vigil-*` headers of a response that is not read (the upstream's own are never kept). */
    passHeaders: (status: number, exchange: Exchange) => unreadHeaders(options, status, exchange.outcome),
    /** False in shadow mode: no headers, no context. */
    annotate: options.mode !== 'shadow',
    /** The options after validation and defaults. */
    options,
  };
}

/** The Fetch-speaking middleware core. */
export type FetchModerator = ReturnType<typeof createFetchModerator>;
