import { problemRecord, resultFields, resultRecord } from './audit-types.js';
import type { Reporter, ReporterOptions } from './reporter.js';

/**
 * Starts that make a spreadsheet read a cell as a formula: OWASP's CSV injection list (`=`, `+`,
 * `-`, `@`, tab, carriage return), also after leading blanks and in full-width forms.
 */
const formulaStart = /^[\t\r]|^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/;

/**
 * A CSV field: quoted when it needs it (RFC 4180). A text that a spreadsheet would run as a
 * formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return; see `formulaStart`) is neutralised as OWASP
 * advises: prefixed with `'` and quoted. Numbers and booleans are written as they are.
 * @example
 * csvField('=HYPERLINK("http://x")'); // '"\'=HYPERLINK(""http://x"")"'
 */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && formulaStart.test(text)) return `"'${text.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV columns: the kind of row, the result fields, then an error's reason. */
export const csvColumns = ['kind', ...resultFields, 'reason'] as const;

/**
 * A CSV table with a header, one row per result or error (`kind` says which; an error's
 * `reason` is in the last column), categories joined by `;`, streamed in input order.
 * @example
 * const reporter = createCsvReporter({ sink: process.stdout });
 */
export function createCsvReporter(options: ReporterOptions): Reporter {
  options.sink.write(`${csvColumns.join(',')}\r\n`);
  const write = (row: Record<string, unknown>) =>
    options.sink.write(`${csvColumns.map((column) => csvField(row[column])).join(',')}\r\n`);
  return {
    result(result) {
      const record = resultRecord(result);
      write({
        kind: 'result',
        ...record,
        categories: record.categories.join(';'),
        ignoredCategories: record.ignoredCategories.join(';'),
      });
    },
    problem(problem) {
      write({ kind: 'error', ...problemRecord(problem) });
    },
    finish: () => {},
  };
}
