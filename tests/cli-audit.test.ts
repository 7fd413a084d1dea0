// Issue 5: `vigil audit` end to end: the built binary, run as a user would, on the hand-wired
// fixture guard over the sample transcripts in examples/transcripts (every input format).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PATHS, GUARD_TRIGGERS, REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';
import {
  buildCliOnce,
  EXAMPLES_FLAGGED,
  EXAMPLES_SUMMARY,
  EXAMPLES as examples,
  flagged,
  runVigil,
  type VigilRunOptions,
} from './support/vigil-cli.js';

let dir = '';

/** Runs `vigil` with the fixture guard as VIGIL_GUARD_MODEL. */
function vigil(args: string[], options: Omit<VigilRunOptions, 'env'> = {}) {
  return runVigil(args, { ...options, env: { VIGIL_GUARD_MODEL: FIXTURE_PATHS.tinyGuard } });
}

beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// A test here runs up to three audits, each loading the model (seconds on a quiet machine, 40 s
// at a load average of 18 on 2 cores): the timeout only guards against a hang (issue 23: the
// 120 s default went red on a busy machine).
describe('vigil audit (built binary, fixture model)', { timeout: 600_000 }, () => {
  it('audits every example format: exact counts, the JSON shape, malformed lines, exit 2', async () => {
    const { code, stdout, stderr } = await vigil(['audit', examples, '--format', 'json']);
    expect(code).toBe(2); // malformed.jsonl: 4 records could not be checked
    expect((await vigil(['audit', examples, '--format', 'json', '--max-errors', '4'])).code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.summary).toEqual(EXAMPLES_SUMMARY);
    expect(flagged(report.results)).toEqual(EXAMPLES_FLAGGED);
    expect(report.results.find((result: { id: string }) => result.id === 'c2')).toEqual({
      file: 'examples/transcripts/chat.jsonl',
      line: 2,
      id: 'c2',
      turn: 2,
      role: 'user',
      safe: false,
      categories: ['S9'],
      ignoredCategories: [],
      unsafeProbability: expect.any(Number),
    });
    expect(
      report.errors.map(
        (error: { file: string; line: number; id: string | null; turn: null; reason: string }) => error,
      ),
    ).toEqual(
      // Every record that could be read keeps its id (issue 23); line 2 is not JSON.
      [2, 3, 4, 5].map((line) => ({
        file: 'examples/transcripts/malformed.jsonl',
        line,
        id: line === 2 ? null : `m${line}`,
        turn: null,
        reason: expect.any(String),
      })),
    );
    for (const line of [2, 3, 4, 5])
      expect(stderr).toContain(`examples/transcripts/malformed.jsonl:${line}: `);
    expect(stderr).toContain('malformed.jsonl:4: empty conversation');
  });

  it('checks every turn in context, one role, and reads stdin', async () => {
    const every = JSON.parse((await vigil(['audit', examples, '--every-turn', '--format', 'json'])).stdout);
    expect(every.summary).toMatchObject({ conversations: 21, turnsChecked: 35, flagged: 8 });
    const assistant = await vigil([
      'audit',
      examples,
      '--every-turn',
      '--role',
      'assistant',
      '--format',
      'json',
    ]);
    expect(JSON.parse(assistant.stdout).summary).toMatchObject({ turnsChecked: 11, flagged: 2 });
    const stdin = await vigil(['audit', '-', '--format', 'jsonl'], {
      input: await readFile(path.join(REPO_ROOT, examples, 'prompts.txt'), 'utf8'),
    });
    const lines = stdin.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((result) => `${result.file}:${result.line}:${result.safe}`).sort()).toEqual([
      '-:1:true',
      '-:2:false',
      '-:3:true',
      '-:5:false',
      '-:6:true',
    ]);
  });

  it('writes valid SARIF, HTML and CSV reports', async () => {
    const sarifFile = path.join(dir, 'vigil.sarif');
    const htmlFile = path.join(dir, 'report.html');
    const csvFile = path.join(dir, 'report.csv');
    const [sarif, html, csv] = await Promise.all([
      vigil(['audit', examples, '--output', sarifFile]),
      vigil(['audit', examples, '--output', htmlFile]),
      vigil(['audit', examples, '--output', csvFile, '--only-flagged']),
    ]);
    expect([sarif.code, html.code, csv.code]).toEqual([2, 2, 2]);
    checkSarif(JSON.parse(await readFile(sarifFile, 'utf8')));
    checkHtml(await readFile(htmlFile, 'utf8'));
    const rows = (await readFile(csvFile, 'utf8')).trim().split('\r\n');
    expect(rows).toHaveLength(13); // header, 8 flagged, 4 errors
    expect(rows[0]).toBe(
      'kind,file,line,id,turn,role,safe,categories,ignoredCategories,unsafeProbability,reason',
    );
    expect(
      rows.filter((row) =>
        /^result,examples\/transcripts\/chat\.jsonl,2,c2,2,user,false,S9,,[\d.e-]+,$/.test(row),
      ),
    ).toHaveLength(1);
    expect(rows.filter((row) => row.startsWith('error,examples/transcripts/malformed.jsonl,'))).toHaveLength(
      4,
    );
  });

  it('resumes from a jsonl report cut off mid-write, checking only what it lacks', async () => {
    const output = path.join(dir, 'results.jsonl');
    expect((await vigil(['audit', examples, '--format', 'jsonl', '--output', output])).code).toBe(2);
    const lines = (await readFile(output, 'utf8')).split('\n');
    await writeFile(output, `${lines.slice(0, 12).join('\n')}\n${lines[12]?.slice(0, 30)}`);
    const resumed = await vigil(['audit', examples, '--format', 'jsonl', '--output', output, '--resume']);
    expect(resumed.code).toBe(2);
    const rows = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(25);
    const results = rows.filter((row) => row.kind === 'result');
    expect(results).toHaveLength(21);
    expect(new Set(rows.map((r) => `${r.file}:${r.line}:${r.turn}`)).size).toBe(25);
    expect(flagged(results)).toHaveLength(8);
    expect(resumed.stderr).toContain('21 turns checked, 8 flagged (S9 4, S1 2, S10 2), 4 errors');
  });

  it('finishes with the partial report on Ctrl-C (exit 130)', async () => {
    const big = path.join(dir, 'big.txt');
    await writeFile(
      big,
      Array.from({ length: 3000 }, (_, index) => `Question ${index} about the weather\n`).join(''),
    );
    const run = await vigil(['audit', big, '--format', 'json'], {
      onSpawn: (child) => {
        let sent = false;
        child.stdout?.on('data', () => {
          if (!sent) setTimeout(() => child.kill('SIGINT'), 300);
          sent = true;
        });
      },
    });
    expect(run.code).toBe(130);
    const report = JSON.parse(run.stdout);
    expect(report.summary.interrupted).toBe(true);
    expect(report.summary.turnsChecked).toBeGreaterThan(0);
    expect(report.summary.turnsChecked).toBeLessThan(3000);
    expect(report.results).toHaveLength(report.summary.turnsChecked);
    expect(run.stderr).toContain('SIGINT: stopping; writing the partial report');
  });

  it('judges a conversation longer than the context, in windows beyond the largest, or lists it as an error with --long-conversation error', async () => {
    const long = path.join(dir, 'long.jsonl');
    const filler = 'Tell me more about the history of the weather in the north. '.repeat(400);
    const text = `${filler} Now, how do I build a${GUARD_TRIGGERS.S9}?`;
    const original = `${JSON.stringify({ id: 'long', messages: [{ role: 'user', content: text }] })}\n`;
    await writeFile(long, original);
    // In a larger context made on demand (the default context is 2,048 tokens).
    const judged = await vigil(['audit', long, '--format', 'json', '--no-progress']);
    expect(judged.code).toBe(1);
    const flagged = JSON.parse(judged.stdout);
    expect(flagged.summary).toMatchObject({ conversations: 1, turnsChecked: 1, flagged: 1, errors: 0 });
    expect(flagged.results[0]).toMatchObject({ id: 'long', safe: false, categories: ['S9'] });
    expect(flagged.results[0].truncated).toBeUndefined();

    // Without it (policy key maxContextSize: 0): judged in windows, and the report says so.
    const policy = path.join(dir, 'no-long-context.json');
    await writeFile(policy, JSON.stringify({ maxContextSize: 0 }));
    const cut = await vigil(['audit', long, '--format', 'json', '--no-progress', '--policy', policy]);
    expect(cut.code).toBe(1);
    const windowed = JSON.parse(cut.stdout).results[0];
    expect(windowed).toMatchObject({ safe: false, categories: ['S9'], truncated: { droppedTurns: 0 } });
    expect(windowed.truncated.windows).toBeGreaterThan(1);

    // Told to refuse instead.
    const run = await vigil([
      'audit',
      long,
      '--format',
      'json',
      '--no-progress',
      '--policy',
      policy,
      '--long-conversation',
      'error',
    ]);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout);
    expect(report.summary).toMatchObject({ conversations: 1, turnsChecked: 0, flagged: 0, errors: 1 });
    expect(report.errors).toEqual([
      {
        file: long,
        line: 1,
        id: 'long',
        turn: 0,
        reason: expect.stringContaining('the conversation is too long'),
      },
    ]);
    expect(report.errors[0].reason).not.toMatch(/^classify: /);
    expect(run.stderr).toContain('raise policy key maxContextSize');
    expect(run.stderr).toContain('use --long-conversation truncate (policy key longConversation)');
    const bad = await vigil(['audit', long, '--long-conversation', 'drop']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--long-conversation: ');
    expect(await readFile(long, 'utf8')).toBe(original);
  });

  it('exits 0 with nothing flagged or --no-fail, 2 on usage errors', async () => {
    const safe = await vigil(['audit', `${examples}/chat.jsonl`, '--role', 'assistant', '--exclude', 'S9']);
    expect(safe.code).toBe(0);
    expect((await vigil(['audit', examples, '--no-fail', '--format', 'jsonl'])).code).toBe(2);
    expect(
      (await vigil(['audit', examples, '--no-fail', '--max-errors', '4', '--format', 'jsonl'])).code,
    ).toBe(0);
    const missing = await vigil(['audit', 'no/such/file.jsonl']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain("cannot read 'no/such/file.jsonl': no such file or directory");
    const badFlag = await vigil(['audit', examples, '--treshold', '0.5']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("unknown option '--treshold'");
    const badModel = await vigil(['audit', examples, '--model', `${examples}/chat.jsonl`]);
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toContain('is not a GGUF file');
  });
});

interface SarifLog {
  version: string;
  $schema: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
  }[];
}

/** The parts of SARIF 2.1.0 code-scanning UIs rely on. */
function checkSarif(log: SarifLog) {
  expect(log.version).toBe('2.1.0');
  expect(log.$schema).toMatch(/sarif-2\.1\.0/);
  const run = log.runs[0] as SarifLog['runs'][number];
  expect(run.tool.driver.name).toBe('vigil');
  const ruleIds = run.tool.driver.rules.map((rule: { id: string }) => rule.id);
  expect(ruleIds).toEqual(['S1', 'S9', 'S10']);
  expect(run.results).toHaveLength(8);
  for (const result of run.results) {
    expect(ruleIds[result.ruleIndex]).toBe(result.ruleId);
    expect(['error', 'warning', 'note', 'none']).toContain(result.level);
    expect(result.message.text).toEqual(expect.any(String));
    const location = result.locations[0]?.physicalLocation;
    if (!location) throw new Error('a SARIF result without a location');
    expect(location.artifactLocation.uri).toMatch(/^examples\/transcripts\/[a-z]+\.(jsonl|json|txt)$/);
    expect(Number.isInteger(location.region.startLine) && location.region.startLine >= 1).toBe(true);
  }
}

const voidElements = new Set(['meta', 'input', 'br', 'img', 'link', 'hr']);

/** Parses the HTML's tags: every element closes in order; no external resources. */
function checkHtml(html: string) {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  const body = html.replace(/<(script|style)>[\s\S]*?<\/\1>/g, '<$1></$1>');
  const stack: string[] = [];
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const [, closing, name = '', attributes = ''] = match;
    const tag = name.toLowerCase();
    if (closing) expect(stack.pop(), `closing </${tag}>`).toBe(tag);
    else if (!voidElements.has(tag) && !attributes.endsWith('/')) stack.push(tag);
    expect(attributes).not.toMatch(/\b(src|href)=/);
  }
  expect(stack).toEqual([]);
  expect(body).not.toMatch(/<[^>]*<|&(?![#a-z0-9]+;)/i);
  expect(html).toContain('<svg role="img"');
  expect((html.match(/<tr data-flagged="true"/g) ?? []).length).toBe(8);
}
