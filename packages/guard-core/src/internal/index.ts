/**
 * `@vigil/guard-core/internal`: code the Vigil packages share (the CLI, the middleware, the
 * generator, the service). Not part of the public API and outside semver: it changes with the
 * packages that use it. Applications import `@vigil/guard-core`.
 */
export { createPushable, type Pushable } from '../async/pushable.js';
export { type ClassifyWithinOptions, classifyWithin } from '../classify-within.js';
export {
  hasJudgedText,
  type JudgedTurn,
  type JudgedTurnsOptions,
  judgedTurns,
  type MessageRun,
  messageRuns,
  messageText,
  prefillOf,
  pythonStrip,
  type RoleKind,
  roleKind,
  withAnswer,
} from '../conversation/index.js';
export { type NormalizeOptions, normalizeConversation } from '../conversation/normalize.js';
export type { Conversation, Turn } from '../conversation/types.js';
export { backendOf, getSharedLlama } from '../engine/local/llama.js';
export {
  isRemoteModel,
  modelsDirectory,
  type ResolveModelOptions,
  resolveModel,
} from '../engine/local/model-file.js';
export { type ModelContextOptions, openModel } from '../engine/local/open-model.js';
export {
  concurrencySchema,
  contextSizeSchema,
  maxQueueSchema,
  runtimeOptionsShape,
} from '../engine/local/runtime-options.js';
export { type PoolNames, SequencePool } from '../engine/local/sequence-pool.js';
export {
  type RemoteEngineFileBlock,
  type RemotePromptFormat,
  type RemoteTokenizer,
  remoteEngineFileSchema,
} from '../engine/remote/remote-options.js';
export { failureReason } from '../errors.js';
export { resolvePolicy } from '../policy/policy.js';
export { policyFileSchema } from '../policy/policy-file.js';
export type { TemplateVariables } from '../prompt/builtin-template.js';
export { createPromptRenderer, type PromptRenderer, type PromptSegments } from '../prompt/renderer.js';
export { checkEverySchema } from '../stream/stream-options.js';
export {
  createStreamSession,
  type StreamCut,
  type StreamFeed,
  type StreamSession,
  type StreamSessionOptions,
} from '../stream/stream-session.js';
export { lastWordEnd } from '../stream/text-boundary.js';
export { formatPath, functionOption, parseOrThrow } from '../validation.js';
export { buildVerdict, type JudgedPolicy, judgeScore } from '../verdict/verdict.js';
export { VigilBodyTooLargeError } from '../wire/body-too-large-error.js';
export { contentTypeParam } from '../wire/content-type-param.js';
export {
  type CheckOutcome,
  type Decided,
  type DecideInput,
  decide,
  type RefusalBody,
  report,
  type StreamDecision,
  type VigilAction,
  type VigilDecision,
} from '../wire/decide.js';
export {
  httpStatus,
  type Refusal,
  refusalForError,
  statusForError,
  type WireSide,
} from '../wire/http-status.js';
export { type FailMode, failModeSchema, modeSchema, type VigilMode } from '../wire/modes.js';
export { sseEvent } from '../wire/sse-event.js';
