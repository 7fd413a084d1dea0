import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VigilContext } from '../core/decision.js';
import { createFetchModerator } from '../core/fetch-core.js';
import { moderateNodeRequest, writeReply } from '../core/node-bridge.js';
import type { VigilOptions } from '../core/options.js';

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
 * `res.locals.vigil` and `req.vigil`. Mount it before or after any body parser: an unread stream
 * is judged from its bytes, a parsed body as parsed, a consumed one with nothing parsed fails closed.
 * @example
 * import { vigil } from '@vigil/guard-middleware/express';
 * app.use('/v1', express.json(), vigil({ guard: await createGuard(), mode: 'annotate' }));
 */
export function vigil(options: VigilOptions): RequestHandler {
  const moderator = createFetchModerator(options);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const { reply, exchange } = await moderateNodeRequest(moderator, req, res, {
        url: req.originalUrl,
        parsed: req.body,
      });
      // Parsed JSON or text stays on req.body for handlers that mount no parser.
      if (req.body === undefined && exchange.outcome.value !== undefined) req.body = exchange.outcome.value;
      if (moderator.annotate) {
        req.vigil = exchange.context;
        res.locals.vigil = exchange.context;
      }
      if (reply) await writeReply(res, reply);
      else next();
    } catch (error) {
      next(error);
    }
  };
}
