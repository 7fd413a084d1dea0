import { createCsvReporter } from './report-csv.js';
import { createHtmlReporter } from './report-html.js';
import { createJsonReporter } from './report-json.js';
import { createJsonlReporter } from './report-jsonl.js';
import { createSarifReporter } from './report-sarif.js';
import { createTableReporter } from './report-table.js';
import type { Reporter, ReporterOptions } from './reporter.js';

export const reportFormats = ['table', 'json', 'jsonl', 'csv', 'sarif', 'html'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** The report format an output file's extension implies, if any. */
export function formatFromExtension(file: string): ReportFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase();
  if (extension === 'htm') return 'html';
  if (extension === 'ndjson') return 'jsonl';
  if (extension === 'txt') return 'table';
  return reportFormats.find((format) => format === extension && format !== 'table');
}

/**
 * Creates the reporter for a format. With `onlyFlagged`, safe turns are left out of the rows
 * (they still count in the summary); errors are always listed.
 * @example
 * const reporter = createReporter('sarif', { sink: process.stdout }, { onlyFlagged: true });
 */
export function createReporter(
  format: ReportFormat,
  options: ReporterOptions,
  { onlyFlagged = false }: { onlyFlagged?: boolean } = {},
): Reporter {
  const reporter = pick(format, options);
  if (!onlyFlagged) return reporter;
  return {
    result: (result) => (result.safe ? undefined : reporter.result(result)),
    problem: (problem) => reporter.problem(problem),
    finish: (summary) => reporter.finish(summary),
  };
}

function pick(format: ReportFormat, options: ReporterOptions): Reporter {
  switch (format) {
    case 'table':
      return createTableReporter(options);
    case 'json':
      return createJsonReporter(options);
    case 'jsonl':
      return createJsonlReporter(options);
    case 'csv':
      return createCsvReporter(options);
    case 'sarif':
      return createSarifReporter(options);
    case 'html':
      return createHtmlReporter(options);
    default:
      return format satisfies never;
  }
}
