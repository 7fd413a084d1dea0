export { type NormalizeOptions, normalizeConversation } from './conversation/normalize.js';
export type { ContentPart, Conversation, JudgedRole, Message, Turn } from './conversation/types.js';
export { createLocalEngine, getSharedLlama, type LocalEngineOptions } from './engine/local/index.js';
export type { DownloadProgress } from './engine/local/model-file.js';
export type { EngineModelInfo, GuardEngine, ScoreRequest, ScoreResult, Usage } from './engine/types.js';
export {
  VigilAbortError,
  VigilConfigError,
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
export {
  type Policy,
  type PolicyCategory,
  type PolicyOptions,
  policyOptionsSchema,
  resolvePolicy,
} from './policy/policy.js';
export { renderBuiltinPrompt } from './prompt/builtin-template.js';
export {
  createPromptRenderer,
  type PromptRenderer,
  type PromptSegments,
  type PromptSource,
} from './prompt/renderer.js';
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
export { parseAnswer } from './verdict/parse-answer.js';
export type { Verdict, VerdictCategory } from './verdict/verdict.js';
