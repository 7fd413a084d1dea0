/**
 * The decision types and table live in guard-core (`@vigil/guard-core/internal`), shared with the
 * generator and the AI SDK middleware; the context of an HTTP exchange is the middleware's own.
 */
import type { VigilDecision } from '@vigil/guard-core/internal';

export {
  type CheckOutcome,
  type Decided,
  type DecideInput,
  decide,
  type RefusalBody,
  report,
  type VigilAction,
  type VigilDecision,
} from '@vigil/guard-core/internal';

/** The verdicts of one exchange, on `c.get('vigil')`, `res.locals.vigil` and `req.vigil`. */
export interface VigilContext {
  request?: VigilDecision | undefined;
  /** Set once the response is checked (visible to middleware that runs after the handler). */
  response?: VigilDecision | undefined;
}
