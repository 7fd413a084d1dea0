// @vigil/cli: the `vigil` command (`runCli`), and the audit and eval runs behind it as functions.
// Everything else in this package is the commands' own.

// Audit: transcripts in, results and a report out.
export type { AuditProblem, AuditResult, AuditSummary } from './commands/audit/audit-types.js';
export { createReporter, type ReportFormat } from './commands/audit/create-reporter.js';
export { type AuditOptions, type AuditOutcome, runAudit } from './commands/audit/run-audit.js';
// Eval: labelled rows in, metrics and tuned thresholds out.
export { presetCategoryCodes } from './commands/eval/category-map.js';
export { type DatasetSpec, genericSpec, presetSpec } from './commands/eval/dataset-spec.js';
export type { EvalSummary } from './commands/eval/eval-types.js';
export { readDataset } from './commands/eval/read-dataset.js';
export { type RunEvalOptions, type RunEvalOutcome, runEval } from './commands/eval/run-eval.js';
export { summarize } from './commands/eval/summarize.js';
export { tuneThresholds } from './commands/eval/tune.js';
// The command line.
export type { CliContext, CliOutput } from './context/cli-context.js';
export { runCli } from './shell/main.js';
export { expandPaths } from './transcripts/expand-paths.js';
export { readTranscript } from './transcripts/read-transcript.js';
