import type { EvalRowResult, EvalSkip, EvalSummary } from './eval-types.js';

/** Everything a report shows: one summary per side, the rows behind them, the rows not measured. */
export interface EvalReport {
  version: string;
  datasets: string[];
  summaries: EvalSummary[];
  rows: readonly EvalRowResult[];
  skips: readonly (EvalSkip & { side?: number | undefined })[];
  /** Include the judged text of false positives and negatives. Defaults to `false`. */
  showText?: boolean | undefined;
}

/** A figure for people: 3 decimals, `–` when undefined. */
export function figure(value: number | null | undefined, digits = 3) {
  return value === null || value === undefined ? '–' : value.toFixed(digits);
}

/** A row listed as a false positive or negative (text only when asked). */
export interface ErrorRow {
  file: string;
  line: number;
  id: string | null;
  unsafeProbability: number | null;
  named: string[];
  text?: string | undefined;
}

/** The false positives and false negatives of one side, highest-confidence mistakes first. */
export function mistakes(report: EvalReport, side: number) {
  const pick = (row: EvalRowResult): ErrorRow => {
    const listed: ErrorRow = {
      file: row.file,
      line: row.line,
      id: row.id,
      unsafeProbability: row.unsafeProbability,
      named: row.named,
    };
    if (report.showText && row.text !== undefined) listed.text = row.text;
    return listed;
  };
  const ofSide = report.rows.filter((row) => row.side === side);
  const p = (row: EvalRowResult) => row.unsafeProbability ?? 0.5;
  return {
    falsePositives: ofSide
      .filter((row) => row.flagged && !row.label)
      .sort((a, b) => p(b) - p(a))
      .map(pick),
    falseNegatives: ofSide
      .filter((row) => !row.flagged && row.label)
      .sort((a, b) => p(a) - p(b))
      .map(pick),
  };
}

/** The JSON report: the summaries with their mistakes, and every row not measured. */
export function jsonReport(report: EvalReport) {
  return `${JSON.stringify(
    {
      version: report.version,
      datasets: report.datasets,
      sides: report.summaries.map((summary, side) => ({ ...summary, ...mistakes(report, side) })),
      skipped: report.skips,
    },
    null,
    2,
  )}\n`;
}
