import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Exchange, FetchModerator } from './fetch-core.js';
import { headersOf, interceptResponse } from './node-intercept.js';
import { readNodeBody } from './node-read-body.js';

/** What the request check gives a Node server. */
export interface ModeratedNodeRequest {
  /** When set, send this with `writeReply` instead of calling the handler. */
  reply?: Response | undefined;
  exchange: Exchange;
}

/**
 * The Fetch core over Node's `http` objects. Checks `req` as a Fetch `Request` (its body read up
 * to the limit and put back for the handler), aborts the check when the client goes, and sets
 * the annotation headers on `res`. Unless a reply is due, it takes over `res` so that the
 * handler's answer is checked as well. `url` replaces `req.url` (Express's `req.originalUrl`);
 * `parsed` is a body a parser already read (Express's `req.body`).
 * @example
 * http.createServer(async (req, res) => {
 *   const { reply } = await moderateNodeRequest(moderator, req, res);
 *   if (reply) await writeReply(res, reply);
 *   else handler(req, res);
 * });
 */
export async function moderateNodeRequest(
  moderator: FetchModerator,
  req: IncomingMessage,
  res: ServerResponse,
  given: { url?: string | undefined; parsed?: unknown } = {},
): Promise<ModeratedNodeRequest> {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  const url = new URL(given.url ?? req.url ?? '/', 'http://localhost');
  const { reply, exchange } = await moderator.moderateRequest(
    new Request(url, { method: req.method, headers: headersOf(req.headers) }),
    {
      signal: controller.signal,
      body: await readNodeBody(req, moderator.options.maxBodyBytes, given.parsed),
    },
  );
  for (const [name, value] of Object.entries(exchange.outcome.headers)) res.setHeader(name, value);
  if (!reply) interceptResponse(res, moderator, exchange);
  return { reply, exchange };
}

/**
 * Sends the core's reply on `res`: its status, its headers (beside those already set), its bytes.
 * The request body the handler will not read is let go: bytes already received (put back on the
 * stream, at most `maxBodyBytes`) are drained, so the connection can serve the next request; a
 * body still arriving (refused as too large) closes the connection after the reply, or a client
 * that reuses it would wait on a server still expecting the rest.
 */
export async function writeReply(res: ServerResponse, reply: Response): Promise<void> {
  res.statusCode = reply.status;
  reply.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  const { req } = res;
  if (!req.readableEnded) {
    if (req.complete) req.resume();
    else res.setHeader('connection', 'close');
  }
  res.end(Buffer.from(await reply.arrayBuffer()));
}
