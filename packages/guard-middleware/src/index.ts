export {
  type BodyHeaders,
  decodeContent,
  isEventStream,
  isJsonType,
  type ParsedBody,
  parseBody,
  type RawBody,
} from './core/body.js';
export { statusForError, VigilBodyTooLargeError } from './core/body-errors.js';
export {
  type CheckOutcome,
  type Decided,
  type DecideInput,
  decide,
  type RefusalBody,
  type VigilAction,
  type VigilContext,
  type VigilDecision,
} from './core/decision.js';
export { type BlockedBody, blockedBody, refusalBody } from './core/error-body.js';
export {
  createFetchModerator,
  type Exchange,
  type FetchModerator,
  type ModeratedRequest,
} from './core/fetch-core.js';
export { verdictHeaders } from './core/headers.js';
export { moderateSse, type SseModerationOptions } from './core/moderate-sse.js';
export type { ExtractRequest, FailMode, VigilOptions, VigilReply } from './core/options.js';
export { extractResponseText, protocols, readAnswer } from './core/protocols/protocols.js';
export type { JudgedFields, Piece, Protocol, ProtocolName } from './core/protocols/types.js';
export {
  extractRequestMessages,
  hasTextToJudge,
  type RequestReading,
  readRequest,
} from './core/read-request.js';
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
