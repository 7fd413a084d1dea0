import { resultRecord } from './audit-types.js';
import type { Reporter, ReporterOptions } from './reporter.js';

/**
 * One JSON result per line, written as each finishes: the format `--resume` continues from.
 * @example
 * const reporter = createJsonlReporter({ sink: process.stdout });
 */
export function createJsonlReporter(options: ReporterOptions): Reporter {
  return {
    result: (result) => options.sink.write(`${JSON.stringify(resultRecord(result))}\n`),
    finish: () => {},
  };
}
