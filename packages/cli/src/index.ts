export type { AuditProblem, AuditResult, AuditSummary } from './audit/audit-types.js';
export { createReporter, type ReportFormat, reportFormats } from './audit/create-reporter.js';
export type { Reporter, ReporterOptions, ReportSink } from './audit/reporter.js';
export { loadResume, type ResumeState } from './audit/resume.js';
export { type AuditOptions, type AuditOutcome, type AuditProgress, runAudit } from './audit/run-audit.js';
export type { CliContext, CliOutput } from './cli/io.js';
export { runCli } from './cli/main.js';
export type { ApiErrorBody, ApiErrorType } from './serve/api-error.js';
export { createModerationApp, type ModerationAppOptions } from './serve/create-moderation-app.js';
export {
  type OpenAIModerationKey,
  type OpenAIModerationResult,
  openAIModerationKeys,
  sCodeToOpenAI,
  toOpenAIModeration,
} from './serve/openai-categories.js';
export { type ModerationServer, startModerationServer } from './serve/start-server.js';
export { expandPaths } from './transcripts/expand-paths.js';
export { type ReadTranscriptOptions, readTranscript } from './transcripts/read-transcript.js';
export type {
  InputFormat,
  TranscriptConversation,
  TranscriptItem,
  TranscriptProblem,
  TranscriptSource,
} from './transcripts/transcript-types.js';
