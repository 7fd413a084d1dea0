import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VigilContext } from '../core/decision.js';
import { createFetchModerator } from '../core/fetch-core.js';
import type { VigilOptions } from '../core/options.js';
import { headersOf, interceptResponse } from './intercept-response.js';
import { readRequestBody } from './read-body.js';

export type { VigilContext, VigilDecision } from '../core/decision.js';
export type { VigilOptions } from '../core/options.js';

declare global {
  namespace Express {
    interface Request {
      /** Vigil's decisions for this exchange (not set in shadow mode). */
      vigil?: VigilContext | undefined;
    }
    interface Locals {
      /** Vigil's decisions for this exchange (not set in shadow mode). */
      vigil?: VigilContext | undefined;
    }
  }
}

/**
 * Express middleware (Express 5, and 4) that checks requests and responses with Llama Guard:
 * blocks, annotates or shadows unsafe traffic (see {@link VigilOptions}). The decisions are on
 * `res.locals.vigil` and `req.vigil`. Mount it before or after `express.json()`.
 * @example
 * import { vigil } from '@vigil/guard-middleware/express';
 * app.use('/v1', express.json(), vigil({ guard: await createGuard(), mode: 'annotate' }));
 */
export function vigil(options: VigilOptions): RequestHandler {
  const moderator = createFetchModerator(options);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
      });
      const url = new URL(req.originalUrl, 'http://localhost');
      const { reply, exchange } = await moderator.moderateRequest(
        new globalThis.Request(url, { method: req.method, headers: headersOf(req.headers) }),
        { signal: controller.signal, body: await readRequestBody(req, moderator.core.options.maxBodyBytes) },
      );
      // Parsed JSON or text stays on req.body for handlers that mount no parser.
      if (req.body === undefined && exchange.outcome.value !== undefined) req.body = exchange.outcome.value;
      if (moderator.annotate) {
        req.vigil = exchange.context;
        res.locals.vigil = exchange.context;
      }
      for (const [name, value] of Object.entries(exchange.outcome.headers)) res.setHeader(name, value);
      if (reply) {
        res.status(reply.status);
        reply.headers.forEach((value, name) => {
          res.setHeader(name, value);
        });
        res.end(Buffer.from(await reply.arrayBuffer()));
        return;
      }
      if (moderator.core.options.inspect !== 'request') interceptResponse(res, moderator, exchange);
      next();
    } catch (error) {
      next(error);
    }
  };
}
