export type { VigilAction, VigilContext, VigilDecision } from './core/decision.js';
export { type BlockedBody, blockedBody } from './core/error-body.js';
export { extractRequestMessages } from './core/extract-request.js';
export { extractResponseText } from './core/extract-response.js';
export { verdictHeaders } from './core/headers.js';
export type { ExtractRequest, FailMode, VigilOptions, VigilReply } from './core/options.js';
export { createSseParser, type SseEvent } from './core/sse.js';
export {
  createVigilCore,
  type Reply,
  type RequestInfo,
  type RequestOutcome,
  type ResponseInfo,
  type ResponseOutcome,
  type VigilCore,
} from './core/vigil-core.js';
