import { describe, expect, it } from 'vitest';
import {
  type AuditProblem,
  type AuditResult,
  type AuditSummary,
  countResult,
  emptySummary,
} from './audit-types.js';
import { createReporter, formatFromExtension, type ReportFormat } from './create-reporter.js';
import { csvField } from './report-csv.js';

const results: AuditResult[] = [
  {
    file: 'a.jsonl',
    line: 1,
    id: 'x',
    turn: 0,
    role: 'user',
    safe: true,
    categories: [],
    ignoredCategories: [],
    unsafeProbability: 0.02,
    excerpt: 'hi',
  },
  {
    file: 'a.jsonl',
    line: 2,
    id: null,
    turn: 2,
    role: 'assistant',
    safe: false,
    categories: ['S9', 'S1'],
    ignoredCategories: [],
    unsafeProbability: 0.97,
    excerpt: 'a <b>bomb</b>, "quoted"',
  },
];
const excluded: AuditResult = {
  file: 'a.jsonl',
  line: 4,
  id: 'z',
  turn: 0,
  role: 'user',
  safe: true,
  categories: [],
  ignoredCategories: ['S6'],
  unsafeProbability: 1,
  excerpt: 'which pills',
};
const problem: AuditProblem = {
  file: 'a.jsonl',
  line: 3,
  id: null,
  turn: null,
  reason: 'malformed JSON: Unexpected token \u001b[31m',
};
const names: Record<string, string> = { S1: 'Violent Crimes', S9: 'Indiscriminate Weapons' };

function report(format: ReportFormat, onlyFlagged = false, withProblem = false) {
  let text = '';
  const summary: AuditSummary = { ...emptySummary(), files: 1, conversations: 2 };
  const reporter = createReporter(
    format,
    {
      sink: { write: (chunk: string) => (text += chunk) },
      categoryName: (code) => names[code] ?? code,
      version: '1.0.0',
    },
    { onlyFlagged },
  );
  for (const result of results) {
    countResult(summary, result);
    reporter.result(result);
  }
  if (withProblem) {
    summary.errors++;
    reporter.problem(problem);
    countResult(summary, excluded);
    reporter.result(excluded);
  }
  reporter.finish(summary);
  return text;
}

describe('reporters', () => {
  it('table: flagged turns by file, counts per category, totals', () => {
    expect(report('table')).toMatchInlineSnapshot(`
      "a.jsonl
           2  S9,S1   0.97  turn 2 assistant  "a <b>bomb</b>, \\"quoted\\""

        S1 Violent Crimes              1
        S9 Indiscriminate Weapons      1

      1 file, 2 conversations, 2 turns checked, 1 flagged, 0 errors
      "
    `);
  });

  it('json: one document; jsonl: a line per result; only-flagged drops safe rows', () => {
    const document = JSON.parse(report('json'));
    expect(document.summary).toMatchObject({ turnsChecked: 2, flagged: 1, byCategory: { S9: 1, S1: 1 } });
    expect(document.results[1]).toEqual({
      file: 'a.jsonl',
      line: 2,
      id: null,
      turn: 2,
      role: 'assistant',
      safe: false,
      categories: ['S9', 'S1'],
      ignoredCategories: [],
      unsafeProbability: 0.97,
    });
    expect(document.errors).toEqual([]);
    expect(JSON.parse(report('json', true)).results).toHaveLength(1);
    expect(
      report('jsonl')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).line),
    ).toEqual([1, 2]);
  });

  it('csv: header, quoted fields, categories joined by ;', () => {
    expect(report('csv')).toBe(
      'kind,file,line,id,turn,role,safe,categories,ignoredCategories,unsafeProbability,reason\r\nresult,a.jsonl,1,x,0,user,true,,,0.02,\r\nresult,a.jsonl,2,,2,assistant,false,S9;S1,,0.97,\r\n',
    );
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    // OWASP CSV injection: formula starts get a ' and quotes; numbers stay numbers.
    for (const value of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', ' =1', '\uff1d1+1'])
      expect(csvField(value)).toBe(`"'${value}"`);
    expect(csvField('=A1&"x"')).toBe(`"'=A1&""x"""`);
    expect(csvField(-1)).toBe('-1');
    expect(csvField('a=b')).toBe('a=b');
  });

  it('sarif: a 2.1.0 log with a rule per first category and file:line locations', () => {
    const log = JSON.parse(report('sarif'));
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver).toMatchObject({
      name: 'vigil',
      version: '1.0.0',
      rules: [{ id: 'S9', name: 'IndiscriminateWeapons' }],
    });
    expect(run.results).toEqual([
      expect.objectContaining({
        ruleId: 'S9',
        ruleIndex: 0,
        level: 'error',
        locations: [{ physicalLocation: { artifactLocation: { uri: 'a.jsonl' }, region: { startLine: 2 } } }],
      }),
    ]);
    expect(run.results[0].message.text).toContain('S9 Indiscriminate Weapons, S1 Violent Crimes');
  });

  it('html: self-contained, escaped, with the chart and the filter controls', () => {
    const html = report('html');
    expect(html).toContain('<svg role="img"');
    expect(html).toContain('a &#60;b&#62;bomb&#60;/b&#62;, &#34;quoted&#34;');
    expect(html).not.toMatch(/<(link|script) [^>]*src=/);
    expect(html).toContain('id="search"');
  });

  it('lists every error, in every format, with file, line, id, turn and reason', () => {
    const json = JSON.parse(report('json', true, true));
    expect(json.errors).toEqual([{ file: 'a.jsonl', line: 3, id: null, turn: null, reason: problem.reason }]);
    expect(json.summary.errors).toBe(1);
    expect(
      report('jsonl', false, true)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).kind),
    ).toEqual(['result', 'result', 'error', 'result']);
    expect(report('csv', false, true).split('\r\n')[3]).toBe(
      'error,a.jsonl,3,,,,,,,,malformed JSON: Unexpected token \u001b[31m',
    );
    const sarif = JSON.parse(report('sarif', false, true)).runs[0].invocations[0];
    expect(sarif.executionSuccessful).toBe(false);
    expect(sarif.toolExecutionNotifications).toEqual([
      {
        level: 'error',
        descriptor: { id: 'input-error' },
        message: { text: `Not checked: ${problem.reason}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'a.jsonl' }, region: { startLine: 3 } } }],
        properties: { id: null, turn: null },
      },
    ]);
    const html = report('html', false, true);
    expect(html).toContain('<h2 id="errors">Not checked (1 errors)</h2>');
    expect(html).toContain(
      '<td>a.jsonl:3</td><td></td><td></td><td>malformed JSON: Unexpected token \u001b[31m</td>',
    );
    expect(html).toContain('safe (S6 excluded by the policy)');
    const table = report('table', false, true);
    expect(table).toContain('a.jsonl:3  error  malformed JSON: Unexpected token \\u001b[31m');
    expect(table).not.toContain('\u001b');
  });

  it('infers a format from an output file name', () => {
    expect(
      ['r.json', 'r.JSONL', 'r.csv', 'r.sarif', 'r.htm', 'r.txt', 'r.out'].map(formatFromExtension),
    ).toEqual(['json', 'jsonl', 'csv', 'sarif', 'html', 'table', undefined]);
  });
});
