/**
 * `@vigil/guard-middleware`: the framework-neutral core of the HTTP middleware, in Fetch terms
 * (`createFetchModerator`), and the types of the options and decisions every entry point shares.
 * The adapters are subpaths: `/hono`, `/express` (and any node:http server), `/ai-sdk`.
 */
export type { VigilJudgeOptions, VigilMiddlewareOptions } from './ai-sdk/options.js';
export type { RawBody } from './core/body.js';
export type { VigilAction, VigilContext, VigilDecision } from './core/decision.js';
export {
  createFetchModerator,
  type Exchange,
  type FetchModerator,
  type ModeratedRequest,
  type RequestOutcome,
} from './core/fetch-core.js';
export type { ExtractRequest, FailMode, VigilMode, VigilOptions, VigilReply } from './core/options.js';
export type { ProtocolName } from './core/protocols/types.js';
