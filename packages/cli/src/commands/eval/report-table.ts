import { type EvalReport, figure } from './eval-report.js';
import type { EvalSummary, SliceMetrics } from './eval-types.js';

/** Skipped rows listed in the table; the rest are counted. */
const maxListed = 20;

function grid(rows: string[][]) {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    `  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')}`.trimEnd(),
  );
}

const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} ms`);

function metricRows(summaries: readonly EvalSummary[]): string[][] {
  const each = (cell: (summary: EvalSummary) => string) => summaries.map(cell);
  const rows: string[][] = [
    ['', ...each((summary) => summary.label)],
    [
      'threshold',
      ...each(
        (s) =>
          `${s.threshold}${
            Object.keys(s.thresholds).length
              ? ` (+${Object.entries(s.thresholds)
                  .map(([c, t]) => `${c} ${t}`)
                  .join(', ')})`
              : ''
          }`,
      ),
    ],
    ['rows (unsafe)', ...each((s) => `${s.overall.rows} (${s.overall.unsafe})`)],
    ['TP FP TN FN', ...each(({ overall: { confusion: c } }) => `${c.tp} ${c.fp} ${c.tn} ${c.fn}`)],
    ['precision', ...each((s) => figure(s.overall.precision))],
    ['recall', ...each((s) => figure(s.overall.recall))],
    ['F1', ...each((s) => figure(s.overall.f1))],
    ['false-positive rate', ...each((s) => figure(s.overall.fpr))],
    ['accuracy', ...each((s) => figure(s.overall.accuracy))],
    ['ROC AUC', ...each((s) => figure(s.overall.rocAuc))],
    ['PR AUC (average precision)', ...each((s) => figure(s.overall.prAuc))],
    [
      'best F1 (at threshold)',
      ...each((s) => (s.bestF1 ? `${figure(s.bestF1.f1)} (${figure(s.bestF1.threshold, 4)})` : '–')),
    ],
  ];
  const target = summaries[0]?.targetFpr;
  if (target) {
    rows.push([
      `recall at FPR <= ${target.target} (threshold)`,
      ...each((s) =>
        s.targetFpr?.point
          ? `${figure(s.targetFpr.point.recall)} (${figure(s.targetFpr.point.threshold, 4)})`
          : 'not reachable',
      ),
    ]);
  }
  rows.push(
    [
      'latency p50 / p95 / p99',
      ...each((s) => `${ms(s.latency.p50)} / ${ms(s.latency.p95)} / ${ms(s.latency.p99)}`),
    ],
    ['classifications/s', ...each((s) => figure(s.latency.perSecond, 1))],
  );
  return rows;
}

function sliceRows(summaries: readonly EvalSummary[], name: string): string[][] {
  const values = [...new Set(summaries.flatMap((s) => Object.keys(s.slices[name] ?? {})))].sort();
  const header = [
    '',
    'rows',
    'unsafe',
    ...summaries.flatMap((_, index) => {
      const tag = summaries.length > 1 ? ` [${index + 1}]` : '';
      return [`recall${tag}`, `FPR${tag}`, `F1${tag}`];
    }),
  ];
  return [
    header,
    ...values.map((value) => {
      const first = summaries[0]?.slices[name]?.[value] as SliceMetrics | undefined;
      return [
        value,
        String(first?.rows ?? 0),
        String(first?.unsafe ?? 0),
        ...summaries.flatMap((s) => {
          const slice = s.slices[name]?.[value];
          return [figure(slice?.recall), figure(slice?.fpr), figure(slice?.f1)];
        }),
      ];
    }),
  ];
}

/**
 * The report for a terminal: the figures of each side in columns, per slice and per category,
 * latency, and the rows that were not measured.
 */
export function tableReport(report: EvalReport): string {
  const { summaries } = report;
  const first = summaries[0];
  if (!first) return 'vigil eval: nothing evaluated\n';
  const lines: string[] = [];
  const c = first.counts;
  lines.push(
    `vigil eval: ${report.datasets.join(', ')}: ${c.measured} rows measured${summaries.length > 1 ? ' per side' : ''}; not measured: ${c.unlabelled} unlabelled, ${c.invalid} invalid, ${c.failed} failed${first.interrupted ? ' (interrupted: partial report)' : ''}`,
    '',
    ...grid(metricRows(summaries)),
  );
  const sliceNames = [...new Set(summaries.flatMap((s) => Object.keys(s.slices)))];
  for (const name of sliceNames) lines.push('', `By ${name}:`, ...grid(sliceRows(summaries, name)));
  const categories = [...new Set(summaries.flatMap((s) => Object.keys(s.categories)))].sort();
  if (categories.length > 0) {
    const header = [
      '',
      'codes',
      'rows',
      ...summaries.flatMap((_, index) => {
        const tag = summaries.length > 1 ? ` [${index + 1}]` : '';
        return [`recall${tag}`, `named code${tag}`];
      }),
    ];
    const rows = categories.map((category) => {
      const base = first.categories[category];
      return [
        category,
        base?.codes.join(',') || '–',
        String(base?.rows ?? 0),
        ...summaries.flatMap((s) => {
          const m = s.categories[category];
          return [figure(m?.recall), m && m.codes.length > 0 ? figure(m.matchRate) : '–'];
        }),
      ];
    });
    lines.push(
      '',
      'Unsafe rows per dataset category (named code: flagged rows where the model named a mapped code):',
      ...grid([header, ...rows]),
    );
  }
  if (report.skips.length > 0) {
    lines.push('', `Not measured (${report.skips.length}):`);
    for (const skip of report.skips.slice(0, maxListed)) {
      const side = skip.side !== undefined && summaries.length > 1 ? ` [${skip.side + 1}]` : '';
      lines.push(`  ${skip.file}:${skip.line}: ${skip.kind}${side}: ${skip.message}`);
    }
    if (report.skips.length > maxListed)
      lines.push(`  ... and ${report.skips.length - maxListed} more (see --format json)`);
  }
  return `${lines.join('\n')}\n`;
}
