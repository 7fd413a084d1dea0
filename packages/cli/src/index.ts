export type { AuditProblem, AuditResult, AuditSummary } from './audit/audit-types.js';
export { createReporter, type ReportFormat, reportFormats } from './audit/create-reporter.js';
export type { Reporter, ReporterOptions, ReportSink } from './audit/reporter.js';
export { loadResume, type ResumeState } from './audit/resume.js';
export { type AuditOptions, type AuditOutcome, type AuditProgress, runAudit } from './audit/run-audit.js';
export type { CliContext, CliOutput } from './cli/io.js';
export { runCli } from './cli/main.js';
export { categoryCodesFor, presetCategoryCodes } from './eval/category-map.js';
export {
  type DatasetSpec,
  type GenericFields,
  genericSpec,
  type PresetName,
  presetNames,
  presetSpec,
} from './eval/dataset-spec.js';
export { evalCommand } from './eval/eval-command.js';
export type {
  CategoryMetrics,
  EvalExample,
  EvalRowResult,
  EvalSkip,
  EvalSummary,
  LatencySummary,
  SliceMetrics,
} from './eval/eval-types.js';
export * as evalMetrics from './eval/metrics.js';
export { type PerRowContent, readPerRow } from './eval/per-row.js';
export { readDataset } from './eval/read-dataset.js';
export {
  type EvalProgress,
  type EvalSide,
  type RunEvalOptions,
  type RunEvalOutcome,
  runEval,
} from './eval/run-eval.js';
export { type SummarizeOptions, summarize } from './eval/summarize.js';
export { type TunedThresholds, type TuneObjective, tuneThresholds } from './eval/tune.js';
export { expandPaths } from './transcripts/expand-paths.js';
export { type ReadTranscriptOptions, readTranscript } from './transcripts/read-transcript.js';
export type {
  InputFormat,
  TranscriptConversation,
  TranscriptItem,
  TranscriptProblem,
  TranscriptSource,
} from './transcripts/transcript-types.js';
