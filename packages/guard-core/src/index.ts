// The SDK: what applications use. Code shared by the Vigil packages lives behind
// `@vigil/guard-core/internal` (outside semver); the scripted engine behind `/testing`.
export { messageText } from './conversation/message-text.js';
export type { ContentPart, JudgedRole, Message } from './conversation/types.js';
export type { GuardMemory } from './engine/local/guard-memory.js';
export { createLocalEngine, type GpuOption, type LocalEngineOptions } from './engine/local/index.js';
export type { DownloadProgress } from './engine/local/model-file.js';
export type { ProcessMemory } from './engine/local/process-memory.js';
export type { LongConversation } from './engine/long-conversation.js';
export {
  createRemoteEngine,
  type ProbabilitySource,
  type RemoteEngine,
  type RemoteEngineConfig,
  type RemoteEngineOptions,
} from './engine/remote/index.js';
export type {
  EngineMemory,
  EngineModelInfo,
  EngineTokenizer,
  GuardEngine,
  ScoreRequest,
  ScoreResult,
  Usage,
} from './engine/types.js';
export {
  VigilAbortError,
  VigilConfigError,
  VigilContentFilterError,
  VigilDisposedError,
  VigilEngineError,
  VigilError,
  type VigilErrorCode,
  VigilInputError,
  VigilModelError,
  VigilModelOutputError,
  VigilQueueFullError,
} from './errors.js';
export {
  type ClassifyOptions,
  createGuard,
  defaultGuardModel,
  type Guard,
  type GuardOptions,
  type GuardStats,
} from './guard.js';
export { type BuiltinCategory, builtinCategories, defaultCategoryCodes } from './policy/categories.js';
export type { Policy, PolicyCategory, PolicyOptions } from './policy/policy.js';
export { loadPolicyFile, type PolicyFile, parsePolicyFile } from './policy/policy-file.js';
export type { PromptSource } from './prompt/renderer.js';
export { type ModeratedPiece, moderateStream } from './stream/moderate-stream.js';
export {
  createStreamModerator,
  type StreamCheckEvery,
  type StreamModerator,
  type StreamModeratorOptions,
  type StreamStep,
  type StreamStrategy,
  type StreamSummary,
} from './stream/stream-moderator.js';
export type { Truncation, Verdict, VerdictCategory } from './verdict/types.js';
