import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VigilContext } from '../core/decision.js';
import type { VigilOptions } from '../core/options.js';
import { createVigilCore } from '../core/vigil-core.js';
import { interceptResponse } from './intercept-response.js';
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
  const core = createVigilCore(options);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
      });
      const body = await readRequestBody(req, core.options.maxBodyBytes);
      const request = await core.inspectRequest({
        method: req.method,
        url: req.originalUrl,
        headers: req.headers as Record<string, string | undefined>,
        body,
        signal: controller.signal,
      });
      const context: VigilContext = { request: request.decision };
      if (core.annotate) {
        req.vigil = context;
        res.locals.vigil = context;
      }
      for (const [name, value] of Object.entries(request.headers)) res.setHeader(name, value);
      if (request.reply) {
        res.status(request.reply.status).set(request.reply.headers).send(request.reply.body);
        return;
      }
      if (core.options.inspect !== 'request')
        interceptResponse(res, core, request, context, controller.signal);
      next();
    } catch (error) {
      next(error);
    }
  };
}
