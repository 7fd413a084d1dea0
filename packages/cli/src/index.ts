export type { AuditProblem, AuditResult, AuditSummary } from './commands/audit/audit-types.js';
export { createReporter, type ReportFormat, reportFormats } from './commands/audit/create-reporter.js';
export type { Reporter, ReporterOptions, ReportSink } from './commands/audit/reporter.js';
export { loadResume, type ResumeState } from './commands/audit/resume.js';
export { type AuditOptions, type AuditOutcome, type AuditProgress, runAudit } from './commands/audit/run-audit.js';
export type { CliContext, CliOutput } from './context/cli-context.js';
export { runCli } from './shell/main.js';
export { categoryCodesFor, presetCategoryCodes } from './commands/eval/category-map.js';
export {
  type DatasetSpec,
  type GenericFields,
  genericSpec,
  type PresetName,
  presetNames,
  presetSpec,
} from './commands/eval/dataset-spec.js';
export { evalCommand } from './commands/eval/eval-command.js';
export type {
  CategoryMetrics,
  EvalExample,
  EvalRowResult,
  EvalSkip,
  EvalSummary,
  LatencySummary,
  SliceMetrics,
} from './commands/eval/eval-types.js';
export * as evalMetrics from './commands/eval/metrics.js';
export { type PerRowContent, readPerRow } from './commands/eval/per-row.js';
export { readDataset } from './commands/eval/read-dataset.js';
export {
  type EvalProgress,
  type EvalSide,
  type RunEvalOptions,
  type RunEvalOutcome,
  runEval,
} from './commands/eval/run-eval.js';
export { type SummarizeOptions, summarize } from './commands/eval/summarize.js';
export { type TunedThresholds, type TuneObjective, tuneThresholds } from './commands/eval/tune.js';
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
