import { resultRecord } from './audit-types.js';
import type { Reporter, ReporterOptions } from './reporter.js';

/**
 * One JSON document `{ "results": [...], "summary": {...} }`. Results are streamed as they
 * finish (the summary comes last), so memory stays constant on any size of audit.
 * @example
 * const reporter = createJsonReporter({ sink: createWriteStream('report.json') });
 */
export function createJsonReporter(options: ReporterOptions): Reporter {
  let count = 0;
  const { sink } = options;
  sink.write('{\n  "results": [');
  return {
    result(result) {
      sink.write(`${count === 0 ? '\n' : ',\n'}    ${JSON.stringify(resultRecord(result))}`);
      count++;
    },
    finish(summary) {
      const body = JSON.stringify(summary, null, 2).replace(/\n/g, '\n  ');
      sink.write(`${count === 0 ? '' : '\n  '}],\n  "summary": ${body}\n}\n`);
    },
  };
}
