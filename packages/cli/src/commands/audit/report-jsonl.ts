import { problemRecord, resultRecord } from './audit-types.js';
import type { Reporter, ReporterOptions } from './reporter.js';

/**
 * One JSON object per line, in input order, written as each is known: results
 * (`"kind": "result"`) and errors (`"kind": "error"`, with `reason`). The format `--resume`
 * continues from.
 * @example
 * const reporter = createJsonlReporter({ sink: process.stdout });
 */
export function createJsonlReporter(options: ReporterOptions): Reporter {
  return {
    result: (result) =>
      options.sink.write(`${JSON.stringify({ kind: 'result', ...resultRecord(result) })}\n`),
    problem: (problem) =>
      options.sink.write(`${JSON.stringify({ kind: 'error', ...problemRecord(problem) })}\n`),
    finish: () => {},
  };
}
