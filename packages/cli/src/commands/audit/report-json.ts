import { type AuditProblem, problemRecord, resultRecord } from './audit-types.js';
import type { Reporter, ReporterOptions } from './reporter.js';

/**
 * One JSON document `{ "results": [...], "errors": [...], "summary": {...} }`. Results are
 * streamed in input order (errors, fewer, are kept and written after them), so memory stays
 * constant on any size of audit.
 * @example
 * const reporter = createJsonReporter({ sink: createWriteStream('report.json') });
 */
export function createJsonReporter(options: ReporterOptions): Reporter {
  let count = 0;
  const errors: AuditProblem[] = [];
  const { sink } = options;
  sink.write('{\n  "results": [');
  return {
    result(result) {
      sink.write(`${count === 0 ? '\n' : ',\n'}    ${JSON.stringify(resultRecord(result))}`);
      count++;
    },
    problem(problem) {
      errors.push(problem);
    },
    finish(summary) {
      const listed = errors.map((problem) => `    ${JSON.stringify(problemRecord(problem))}`).join(',\n');
      const body = JSON.stringify(summary, null, 2).replace(/\n/g, '\n  ');
      sink.write(
        `${count === 0 ? '' : '\n  '}],\n  "errors": [${listed ? `\n${listed}\n  ` : ''}],\n  "summary": ${body}\n}\n`,
      );
    },
  };
}
