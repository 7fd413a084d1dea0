import { escapeHtml, htmlPage } from '../../output/html.js';
import type { AuditProblem, AuditResult, AuditSummary } from './audit-types.js';
import {
  formatProbability,
  ignoredNote,
  type Reporter,
  type ReporterOptions,
  type ReportRun,
  sortedCategories,
} from './reporter.js';

/** Safe rows kept for the HTML table (flagged ones are all kept). */
const maxSafeRows = 5000;

function chart(summary: AuditSummary, name: (code: string) => string) {
  const entries = sortedCategories(summary);
  if (entries.length === 0) return '<p class="none">Nothing flagged.</p>';
  const max = Math.max(...entries.map(([, count]) => count));
  const rowHeight = 26;
  const bars = entries.map(([code, count], index) => {
    const y = index * rowHeight;
    const width = Math.max(2, Math.round((count / max) * 360));
    return `<text x="0" y="${y + 17}">${escapeHtml(`${code} ${name(code)}`)}</text><rect x="230" y="${y + 4}" width="${width}" height="18" rx="3"></rect><text x="${236 + width}" y="${y + 17}">${count}</text>`;
  });
  return `<svg role="img" aria-label="Flagged turns per category" width="660" height="${entries.length * rowHeight}" xmlns="http://www.w3.org/2000/svg">${bars.join('')}</svg>`;
}

function row(result: AuditResult, name: (code: string) => string) {
  const categories = result.categories.map(
    (code) => `<span title="${escapeHtml(name(code))}">${code}</span>`,
  );
  return `<tr data-flagged="${!result.safe}" data-role="${result.role}" data-categories="${result.categories.join(' ')}"><td>${escapeHtml(`${result.file}:${result.line}`)}</td><td>${escapeHtml(result.id ?? '')}</td><td>${result.turn}</td><td>${result.role}</td><td class="${result.safe ? 'safe' : 'unsafe'}">${result.safe ? 'safe' : 'unsafe'}${escapeHtml(ignoredNote(result))}</td><td>${categories.join(' ')}</td><td>${formatProbability(result.unsafeProbability)}</td><td>${escapeHtml(result.excerpt ?? '')}</td></tr>`;
}

function problemsSection(problems: AuditProblem[], unlisted: number) {
  if (problems.length === 0) return '';
  const rows = problems.map(
    (problem) =>
      `<tr><td>${escapeHtml(`${problem.file}:${problem.line}`)}</td><td>${escapeHtml(problem.id ?? '')}</td><td>${problem.turn ?? ''}</td><td>${escapeHtml(problem.reason)}</td></tr>`,
  );
  const more = unlisted > 0 ? `<p class="note">${unlisted} more errors are not listed.</p>` : '';
  return `<h2 id="errors">Not checked (${problems.length + unlisted} errors)</h2>
<table class="errors">
<thead><tr><th>File:line</th><th>Id</th><th>Turn</th><th>Reason</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${more}`;
}

function runLine(run: ReportRun | undefined, version: string | undefined) {
  if (!run) return '';
  const parts = [
    `Model ${run.model}`,
    `policy ${run.policy ?? '(flags only)'}`,
    `started ${run.startedAt}`,
    ...(version ? [`vigil ${version}`] : []),
  ];
  return `<p class="note">${escapeHtml(parts.join(' · '))}</p>`;
}

const style = `body{font:14px system-ui,sans-serif;margin:2rem;color:#1d1d1f}h1{font-size:1.4rem}
.stats{display:flex;gap:1.5rem;margin:1rem 0}.stats div{background:#f3f3f5;padding:.6rem 1rem;border-radius:6px}
.stats b{display:block;font-size:1.3rem}svg text{font-size:13px}svg rect{fill:#c9363e}
table{border-collapse:collapse;width:100%;margin-top:1rem}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top}
td.unsafe{color:#c9363e;font-weight:600}td.safe{color:#2e7d32}.controls{display:flex;gap:1rem;margin-top:1.5rem}.note{color:#666}`;

const script = `const rows=[...document.querySelectorAll('table.results tbody tr')];const q=(id)=>document.getElementById(id);
function apply(){const text=q('search').value.toLowerCase(),cat=q('category').value,role=q('role').value,only=q('flagged').checked;let shown=0;
for(const r of rows){const ok=(!only||r.dataset.flagged==='true')&&(!cat||r.dataset.categories.split(' ').includes(cat))&&(!role||r.dataset.role===role)&&(!text||r.textContent.toLowerCase().includes(text));r.hidden=!ok;if(ok)shown++}
q('shown').textContent=shown+' of '+rows.length+' rows'}
for(const id of ['search','category','role','flagged'])q(id).addEventListener('input',apply);apply();`;

/**
 * A self-contained HTML report a person can open: summary figures, a chart per category, and a
 * table filterable by text, category, role and verdict. Keeps flagged rows and up to 5,000 safe ones.
 * @example
 * const reporter = createHtmlReporter({ sink: createWriteStream('report.html'), categoryName });
 */
export function createHtmlReporter(options: ReporterOptions): Reporter {
  const name = options.categoryName ?? ((code: string) => code);
  const rows: string[] = [];
  const problems: AuditProblem[] = [];
  let problemsUnlisted = 0;
  let safeRows = 0;
  let safeDropped = 0;
  return {
    result(result) {
      if (result.safe && safeRows >= maxSafeRows) return void safeDropped++;
      if (result.safe) safeRows++;
      rows.push(row(result, name));
    },
    problem(problem) {
      if (problems.length < maxSafeRows) problems.push(problem);
      else problemsUnlisted++;
    },
    finish(summary) {
      const stat = (label: string, value: number) => `<div><b>${value}</b>${label}</div>`;
      const options_ = sortedCategories(summary)
        .map(([code]) => `<option value="${code}">${escapeHtml(`${code} ${name(code)}`)}</option>`)
        .join('');
      const body = `<h1>Vigil audit report${summary.interrupted ? ' (partial: the audit was interrupted)' : ''}</h1>
${runLine(options.run, options.version)}
<div class="stats">${stat('files', summary.files)}${stat('conversations', summary.conversations)}${stat('turns checked', summary.turnsChecked)}${stat('flagged', summary.flagged)}${stat('errors', summary.errors)}</div>
<h2>Flagged turns per category</h2>
${chart(summary, name)}
<div class="controls">
<input id="search" type="search" placeholder="Filter text">
<select id="category"><option value="">All categories</option>${options_}</select>
<select id="role"><option value="">All roles</option><option value="user">user</option><option value="assistant">assistant</option></select>
<label><input id="flagged" type="checkbox"${summary.flagged > 0 ? ' checked' : ''}> Flagged only</label>
<span id="shown" class="note"></span>
</div>
${safeDropped > 0 ? `<p class="note">${safeDropped} more safe turns are not listed.</p>` : ''}
<table class="results">
<thead><tr><th>File:line</th><th>Id</th><th>Turn</th><th>Role</th><th>Verdict</th><th>Categories</th><th>P(unsafe)</th><th>Excerpt</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${problemsSection(problems, problemsUnlisted)}`;
      options.sink.write(htmlPage({ title: 'Vigil audit report', style, body, script }));
    },
  };
}
