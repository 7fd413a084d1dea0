import type { AuditResult, AuditSummary } from './audit-types.js';

/** Where a report is written: stdout or a file stream. */
export interface ReportSink {
  write(chunk: string): unknown;
}

/** Receives results as they finish and writes a report. */
export interface Reporter {
  result(result: AuditResult): void;
  /** Writes whatever is left (a document's end, the summary). */
  finish(summary: AuditSummary): void;
}

export interface ReporterOptions {
  sink: ReportSink;
  /** A category's display name, from the guard's policy. Defaults to the code. */
  categoryName?: ((code: string) => string) | undefined;
  /** Use ANSI colours (the table on a terminal). Defaults to `false`. */
  color?: boolean | undefined;
  /** The vigil version, for SARIF's tool section. */
  version?: string | undefined;
}

/** Categories by count, most flagged first (ties by code number). */
export function sortedCategories(summary: AuditSummary): [string, number][] {
  return Object.entries(summary.byCategory).sort(
    (a, b) => b[1] - a[1] || Number(a[0].slice(1)) - Number(b[0].slice(1)),
  );
}

/** A probability for people: two decimals, or `-` when unknown. */
export function formatProbability(probability: number | null) {
  return probability === null ? '-' : probability.toFixed(2);
}
