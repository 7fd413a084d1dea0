import type { AuditProblem, AuditResult, AuditSummary } from './audit-types.js';

/** Where a report is written: stdout or a file stream. */
export interface ReportSink {
  write(chunk: string): unknown;
}

/** Receives results and errors in input order and writes a report. */
export interface Reporter {
  result(result: AuditResult): void;
  /** A record or turn that could not be checked: every format lists it. */
  problem(problem: AuditProblem): void;
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
  /** What the audit ran with, for the HTML report's header. Defaults to nothing shown. */
  run?: ReportRun | undefined;
}

/** What an audit ran with, for people reading the report later. */
export interface ReportRun {
  /** The model file or served model name. */
  model: string;
  /** The policy file, or `null` for flags only. */
  policy: string | null;
  /** When the audit started (ISO 8601). */
  startedAt: string;
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

/** Why a safe turn can show a high P(unsafe): the categories the policy leaves out. */
export function ignoredNote(result: Pick<AuditResult, 'safe' | 'ignoredCategories'>) {
  return result.safe && result.ignoredCategories.length > 0
    ? ` (${result.ignoredCategories.join(',')} excluded by the policy)`
    : '';
}

/** Text safe to print on a terminal: control characters (escape sequences, NUL, CR) spelled out as `\\u001b`. */
export function printable(text: string) {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
