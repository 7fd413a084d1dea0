import { escapeHtml, htmlPage } from '../../output/html.js';
import { type ErrorRow, type EvalReport, figure, mistakes } from './eval-report.js';
import type { EvalSummary, SliceMetrics } from './eval-types.js';
import { operatingPoints } from './metrics.js';

/** Mistakes listed per side and kind; the rest are counted. */
const maxListed = 500;
const colors = ['#c9363e', '#2f6fb5', '#2e7d32', '#8e44ad', '#d68910', '#555'];
const size = 260;
const pad = 34;

function axes(xLabel: string, yLabel: string) {
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => {
      const x = pad + t * size;
      const y = pad + (1 - t) * size;
      return `<line x1="${x}" y1="${pad + size}" x2="${x}" y2="${pad + size + 4}"/><text x="${x}" y="${pad + size + 16}" text-anchor="middle">${t}</text><line x1="${pad - 4}" y1="${y}" x2="${pad}" y2="${y}"/><text x="${pad - 6}" y="${y + 4}" text-anchor="end">${t}</text>`;
    })
    .join('');
  return `<rect x="${pad}" y="${pad}" width="${size}" height="${size}" class="frame"/>${ticks}<text x="${pad + size / 2}" y="${pad + size + 30}" text-anchor="middle">${xLabel}</text><text x="12" y="${pad + size / 2}" text-anchor="middle" transform="rotate(-90 12 ${pad + size / 2})">${yLabel}</text>`;
}

const point = (x: number, y: number) => `${(pad + x * size).toFixed(1)},${(pad + (1 - y) * size).toFixed(1)}`;

/** ROC and PR curves of every side, as inline SVG. */
function curves(report: EvalReport) {
  const roc: string[] = [];
  const pr: string[] = [];
  report.summaries.forEach((summary, side) => {
    const rows = report.rows
      .filter((row) => row.side === side)
      .map((row) => ({ label: row.label, score: row.unsafeProbability }));
    const points = operatingPoints(rows);
    const color = colors[side % colors.length];
    const rocPoints = [point(0, 0), ...points.map((p) => point(p.fpr ?? 0, p.recall ?? 0))];
    roc.push(
      `<polyline points="${rocPoints.join(' ')}" stroke="${color}"><title>${escapeHtml(summary.label)}</title></polyline>`,
    );
    const prPoints = points
      .filter((p) => p.recall !== null && p.precision !== null)
      .map((p) => point(p.recall ?? 0, p.precision ?? 0));
    if (prPoints.length > 0)
      pr.push(
        `<polyline points="${prPoints.join(' ')}" stroke="${color}"><title>${escapeHtml(summary.label)}</title></polyline>`,
      );
  });
  const box = size + pad * 2 + 10;
  const chance = `<line x1="${pad}" y1="${pad + size}" x2="${pad + size}" y2="${pad}" class="chance"/>`;
  return `<div class="charts"><figure><svg role="img" aria-label="ROC curve" width="${box}" height="${box}" viewBox="0 0 ${box} ${box}" xmlns="http://www.w3.org/2000/svg">${axes('false-positive rate', 'recall')}${chance}${roc.join('')}</svg><figcaption>ROC</figcaption></figure><figure><svg role="img" aria-label="Precision-recall curve" width="${box}" height="${box}" viewBox="0 0 ${box} ${box}" xmlns="http://www.w3.org/2000/svg">${axes('recall', 'precision')}${pr.join('')}</svg><figcaption>Precision-recall</figcaption></figure></div>`;
}

function legend(report: EvalReport) {
  return `<ul class="legend">${report.summaries.map((summary, side) => `<li><span style="background:${colors[side % colors.length]}"></span>${escapeHtml(summary.label)}</li>`).join('')}</ul>`;
}

function confusionMatrix(summary: EvalSummary) {
  const c = summary.overall.confusion;
  return `<table class="confusion"><tr><th></th><th>flagged</th><th>passed</th></tr><tr><th>labelled unsafe</th><td class="good">${c.tp}</td><td class="bad">${c.fn}</td></tr><tr><th>labelled safe</th><td class="bad">${c.fp}</td><td class="good">${c.tn}</td></tr></table>`;
}

function stats(summary: EvalSummary) {
  const stat = (label: string, value: string) => `<div><b>${value}</b>${label}</div>`;
  const o = summary.overall;
  return `<div class="stats">${stat('precision', figure(o.precision))}${stat('recall', figure(o.recall))}${stat('F1', figure(o.f1))}${stat('false-positive rate', figure(o.fpr))}${stat('accuracy', figure(o.accuracy))}${stat('ROC AUC', figure(o.rocAuc))}${stat('PR AUC (AP)', figure(o.prAuc))}${stat('best F1', summary.bestF1 ? `${figure(summary.bestF1.f1)} @ ${figure(summary.bestF1.threshold, 4)}` : '–')}</div>`;
}

/** Recall and false-positive rate per slice value, as bars. */
function sliceBars(name: string, values: Record<string, SliceMetrics>) {
  const entries = Object.entries(values);
  const rowHeight = 34;
  const bars = entries.map(([value, m], index) => {
    const y = index * rowHeight;
    const recall = Math.round((m.recall ?? 0) * 300);
    const fpr = Math.round((m.fpr ?? 0) * 300);
    return `<text x="0" y="${y + 14}">${escapeHtml(value)} (${m.rows})</text><rect class="recall" x="220" y="${y + 2}" width="${recall}" height="12"><title>recall ${figure(m.recall)}</title></rect><text x="${226 + recall}" y="${y + 12}">recall ${figure(m.recall)}</text><rect class="fpr" x="220" y="${y + 16}" width="${fpr}" height="12"><title>false-positive rate ${figure(m.fpr)}</title></rect><text x="${226 + fpr}" y="${y + 26}">FPR ${figure(m.fpr)}</text>`;
  });
  return `<h4>By ${escapeHtml(name)}</h4><svg role="img" aria-label="Recall and false-positive rate by ${escapeHtml(name)}" width="660" height="${entries.length * rowHeight}" xmlns="http://www.w3.org/2000/svg">${bars.join('')}</svg>`;
}

function mistakeTable(title: string, rows: ErrorRow[], showText: boolean) {
  if (rows.length === 0) return `<h4>${title}: none</h4>`;
  const listed = rows
    .slice(0, maxListed)
    .map(
      (row) =>
        `<tr><td>${escapeHtml(`${row.file}:${row.line}`)}</td><td>${escapeHtml(row.id ?? '')}</td><td>${figure(row.unsafeProbability, 4)}</td><td>${escapeHtml(row.named.join(','))}</td>${showText ? `<td>${escapeHtml(row.text ?? '')}</td>` : ''}</tr>`,
    );
  const more =
    rows.length > maxListed
      ? `<p class="note">${rows.length - maxListed} more not listed (see --format json).</p>`
      : '';
  return `<h4>${title} (${rows.length})</h4><table><thead><tr><th>File:line</th><th>Id</th><th>P(unsafe)</th><th>Codes named</th>${showText ? '<th>Text</th>' : ''}</tr></thead><tbody>${listed.join('')}</tbody></table>${more}`;
}

const style = `body{font:14px system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:1100px}h1{font-size:1.4rem}
.stats{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}.stats div{background:#f3f3f5;padding:.5rem .9rem;border-radius:6px}.stats b{display:block;font-size:1.2rem}
.charts{display:flex;gap:2rem;flex-wrap:wrap}figure{margin:0}figcaption{text-align:center;color:#555}
svg text{font-size:12px}svg line{stroke:#888}.frame{fill:none;stroke:#bbb}.chance{stroke-dasharray:4 4}polyline{fill:none;stroke-width:2}
rect.recall{fill:#2e7d32}rect.fpr{fill:#c9363e}.legend{list-style:none;padding:0;display:flex;gap:1.5rem}.legend span{display:inline-block;width:12px;height:12px;margin-right:6px;border-radius:2px}
table{border-collapse:collapse;margin-top:.5rem}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top}
.confusion td{text-align:right;min-width:4rem}.good{color:#2e7d32}.bad{color:#c9363e;font-weight:600}.note{color:#666}`;

/**
 * A self-contained HTML page (inline CSS and SVG; no scripts, fonts or remote resources): ROC and
 * PR curves, per side the figures, confusion matrix, per-slice bars and the false positives and
 * negatives (their text only with `showText`).
 */
export function htmlReport(report: EvalReport): string {
  const showText = report.showText === true;
  const first = report.summaries[0];
  const sections = report.summaries.map((summary, side) => {
    const { falsePositives, falseNegatives } = mistakes(report, side);
    const slices = Object.entries(summary.slices).map(([name, values]) => sliceBars(name, values));
    const thresholds = Object.entries(summary.thresholds)
      .map(([code, t]) => `${code} ${t}`)
      .join(', ');
    return `<section><h2>${escapeHtml(summary.label)}</h2><p class="note">threshold ${summary.threshold}${thresholds ? ` (own thresholds: ${escapeHtml(thresholds)})` : ''} · ${summary.overall.rows} rows, ${summary.overall.unsafe} labelled unsafe · latency p50 ${figure(summary.latency.p50, 1)} ms, p95 ${figure(summary.latency.p95, 1)} ms, p99 ${figure(summary.latency.p99, 1)} ms</p>${stats(summary)}${confusionMatrix(summary)}${slices.join('')}${mistakeTable('False positives', falsePositives, showText)}${mistakeTable('False negatives', falseNegatives, showText)}${showText ? '' : '<p class="note">Texts are not shown (moderated text is sensitive): run with --show-text to include them.</p>'}</section>`;
  });
  const skipped = report.skips.length
    ? `<h2>Not measured (${report.skips.length})</h2><table><tbody>${report.skips
        .slice(0, maxListed)
        .map(
          (skip) =>
            `<tr><td>${escapeHtml(`${skip.file}:${skip.line}`)}</td><td>${skip.kind}</td><td>${escapeHtml(skip.message)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const body = `<h1>Vigil eval: ${escapeHtml(report.datasets.join(', '))}${first?.interrupted ? ' (partial: the run was interrupted)' : ''}</h1>
<p class="note">vigil ${escapeHtml(report.version)} · ${first?.counts.measured ?? 0} rows measured; not measured: ${first?.counts.unlabelled ?? 0} unlabelled, ${first?.counts.invalid ?? 0} invalid, ${first?.counts.failed ?? 0} failed</p>
${legend(report)}
${curves(report)}
${sections.join('\n')}
${skipped}`;
  return htmlPage({ title: 'Vigil eval report', style, body });
}
