export type { AuditProblem, AuditResult, AuditSummary } from './audit/audit-types.js';
export { createReporter, type ReportFormat, reportFormats } from './audit/create-reporter.js';
export type { Reporter, ReporterOptions, ReportSink } from './audit/reporter.js';
export { loadResume, type ResumeState } from './audit/resume.js';
export { type AuditOptions, type AuditOutcome, type AuditProgress, runAudit } from './audit/run-audit.js';
export { type ClassifyWithinOptions, classifyWithin } from './classify-within.js';
export { type NormalizeOptions, normalizeConversation } from './conversation/normalize.js';
export type { ContentPart, Conversation, JudgedRole, Message, Turn } from './conversation/types.js';
export {
  createLocalEngine,
  getSharedLlama,
  type LocalEngineOptions,
  oneOutputPerBatch,
} from './engine/local/index.js';
export { type DownloadProgress, type ResolveModelOptions, resolveModel } from './engine/local/model-file.js';
export { runtimeOptionsSchema } from './engine/local/runtime-options.js';
export { commonPrefixLength, type PoolNames, SequencePool } from './engine/local/sequence-pool.js';
export {
  createRemoteEngine,
  type ProbabilitySource,
  type RemoteEngine,
  type RemoteEngineConfig,
  type RemoteEngineFileBlock,
  type RemoteEngineOptions,
  type RemotePromptFormat,
  type RemoteScoreResult,
  type RemoteTokenizer,
  remoteConfigFromFile,
  remoteEngineConfigSchema,
  remoteEngineFileSchema,
  remoteEngineOptionsSchema,
} from './engine/remote/index.js';
export type { EngineModelInfo, GuardEngine, ScoreRequest, ScoreResult, Usage } from './engine/types.js';
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
export {
  type Policy,
  type PolicyCategory,
  type PolicyOptions,
  policyOptionsSchema,
  resolvePolicy,
} from './policy/policy.js';
export { loadPolicyFile, type PolicyFile, parsePolicyFile, policyFileSchema } from './policy/policy-file.js';
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
export { expandPaths } from './transcripts/expand-paths.js';
export { type ReadTranscriptOptions, readTranscript } from './transcripts/read-transcript.js';
export type {
  InputFormat,
  TranscriptConversation,
  TranscriptItem,
  TranscriptProblem,
  TranscriptSource,
} from './transcripts/transcript-types.js';
export { formatPath, parseOrThrow } from './validation.js';
export { parseAnswer } from './verdict/parse-answer.js';
export type { Verdict, VerdictCategory } from './verdict/verdict.js';
