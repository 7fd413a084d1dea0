import { resultFields, resultRecord } from './audit-types.js';
import type { Reporter, ReporterOptions } from './reporter.js';

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A CSV table with a header, one row per result (categories joined by `;`), streamed.
 * @example
 * const reporter = createCsvReporter({ sink: process.stdout });
 */
export function createCsvReporter(options: ReporterOptions): Reporter {
  options.sink.write(`${resultFields.join(',')}\r\n`);
  return {
    result(result) {
      const record = resultRecord(result);
      const row = resultFields.map((field) =>
        field === 'categories' ? record.categories.join(';') : record[field],
      );
      options.sink.write(`${row.map(csvField).join(',')}\r\n`);
    },
    finish: () => {},
  };
}
