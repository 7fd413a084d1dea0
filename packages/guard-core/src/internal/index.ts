/**
 * `@vigil/guard-core/internal`: code the Vigil packages share (the CLI, the middleware, the
 * generator, the service). Not part of the public API and outside semver: it changes with the
 * packages that use it. Applications import `@vigil/guard-core`.
 */
export { createPushable, type Pushable } from '../async/pushable.js';
export { sleep } from '../async/sleep.js';
export { type ClassifyWithinOptions, classifyWithin } from '../classify-within.js';
export {
  forgedBoundaries,
  forgedPieces,
  forgedTurnVariants,
  maxForgedPieces,
} from '../conversation/forged-turns.js';
export {
  acceptedRoles,
  hasJudgedText,
  isPythonWhitespace,
  type JudgedTurn,
  type JudgedTurnsOptions,
  judgedTurns,
  type MessageRun,
  messageRuns,
  messageSeparator,
  messageText,
  partSeparator,
  prefillOf,
  pythonStrip,
  type RoleKind,
  roleKind,
  withAnswer,
} from '../conversation/index.js';
export { type NormalizeOptions, normalizeConversation } from '../conversation/normalize.js';
export type { Conversation, Turn } from '../conversation/types.js';
export { backendOf, getSharedLlama, resolveThreads } from '../engine/local/llama.js';
export {
  checkGgufFile,
  isRemoteModel,
  modelsDirectory,
  type ResolveModelOptions,
  resolveModel,
} from '../engine/local/model-file.js';
export { oneOutputPerBatch } from '../engine/local/one-output-per-batch.js';
export { type ModelContextOptions, openModel } from '../engine/local/open-model.js';
export {
  concurrencySchema,
  contextSizeSchema,
  maxQueueSchema,
  runtimeOptionsSchema,
  runtimeOptionsShape,
} from '../engine/local/runtime-options.js';
export { commonPrefixLength, type PoolNames, SequencePool } from '../engine/local/sequence-pool.js';
export {
  type RemoteEngineFileBlock,
  type RemotePromptFormat,
  type RemoteTokenizer,
  remoteConfigFromFile,
  remoteEngineConfigSchema,
  remoteEngineFileSchema,
  remoteEngineOptionsSchema,
} from '../engine/remote/remote-options.js';
export { failureReason } from '../errors.js';
export {
  policyOptionsSchema,
  resolvePolicy,
  templateCategories,
  withCategories,
} from '../policy/policy.js';
export { policyFileSchema } from '../policy/policy-file.js';
export { categoryThreshold, isFlagged, lowestThreshold } from '../policy/thresholds.js';
export { renderBuiltinPrompt, type TemplateVariables } from '../prompt/builtin-template.js';
export { createPromptRenderer, type PromptRenderer, type PromptSegments } from '../prompt/renderer.js';
export { checkEverySchema } from '../stream/stream-options.js';
export { lastWordEnd } from '../stream/text-boundary.js';
export { formatPath, functionOption, parseOrThrow, withoutDefaults } from '../validation.js';
export { buildVerdict, type JudgedPolicy, judgeScore } from '../verdict/verdict.js';
export { VigilBodyTooLargeError } from '../wire/body-too-large-error.js';
export {
  type CheckOutcome,
  type Decided,
  type DecideInput,
  decide,
  type RefusalBody,
  report,
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
