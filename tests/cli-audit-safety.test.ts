// Issue 12: `vigil audit` never reports "clean" for what it did not check, and never loses a
// byte. The built CLI, spawned as a user would, with guard-core's scripted engine (` bomb` S9,
// ` kill` S1, ` hate` S10) so each run takes milliseconds; every case checks the exit code, the
// report, and that the inputs are byte-identical afterwards.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyFileSchema } from '../packages/guard-core/src/internal/index.js';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';
import { buildCliOnce, runVigil, type VigilRunOptions } from './support/vigil-cli.js';

let dir = '';
const inputs = new Map<string, Buffer>();

/** Runs the scripted `vigil audit` (no progress), from the repository root. */
function audit(args: string[], options: VigilRunOptions = {}) {
  return runVigil(['audit', ...args, '--no-progress'], { scripted: {}, ...options });
}

/** Writes an input file and remembers its bytes, checked unchanged after every test. */
async function input(name: string, content: string | Buffer) {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  inputs.set(file, Buffer.from(content));
  return file;
}

/** Sends `signal` 200 ms after the report's temporary file appears (the audit is under way). */
function killWhenWriting(child: ChildProcess, signal: NodeJS.Signals) {
  const timer = setInterval(async () => {
    if ((await readdir(dir)).some((name) => name.endsWith('.vigil-tmp'))) {
      clearInterval(timer);
      setTimeout(() => child.kill(signal), 200);
    }
  }, 20);
  child.once('exit', () => clearInterval(timer));
}

const record = (text: string, id?: string) =>
  JSON.stringify({ ...(id ? { id } : {}), messages: [{ role: 'user', content: text }] });

const jsonl = (texts: string[]) =>
  `${texts.map((text, index) => record(text, `c${index + 1}`)).join('\n')}\n`;

interface Report {
  results: {
    file: string;
    line: number;
    id: string | null;
    turn: number;
    safe: boolean;
    categories: string[];
  }[];
  errors: { file: string; line: number; id: string | null; turn: number | null; reason: string }[];
  summary: {
    conversations: number;
    turnsChecked: number;
    flagged: number;
    errors: number;
    interrupted: boolean;
  };
}

beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-safety-'));
});
afterAll(async () => {
  for (const [file, bytes] of inputs) expect(await readFile(file), file).toEqual(bytes);
  await rm(dir, { recursive: true, force: true });
});

describe('exit codes a CI gate can trust', () => {
  it('0 only when everything was checked and nothing flagged; 1 flagged; 2 for any error', async () => {
    const clean = await input('clean.jsonl', jsonl(['hello', 'the weather']));
    const unsafe = await input('unsafe.jsonl', jsonl(['hello', 'a bomb']));
    expect((await audit([clean])).code).toBe(0);
    expect((await audit([unsafe])).code).toBe(1);
    expect((await audit([unsafe, '--no-fail'])).code).toBe(0);
    const malformed = await input('all-bad.jsonl', '{"messages": [\n{"nope": 1}\nnot json\n');
    const run = await audit([malformed, '--format', 'json']);
    expect(run.code).toBe(2);
    const report: Report = JSON.parse(run.stdout);
    expect(report.summary).toMatchObject({ conversations: 0, turnsChecked: 0, errors: 3 });
    expect(report.errors.map((error) => error.line)).toEqual([1, 2, 3]);
    expect(run.stderr).toContain(
      'vigil: 3 records or turns were not checked (exit 2; --max-errors N tolerates N)',
    );
    expect((await audit([malformed, clean, '--max-errors', '3'])).code).toBe(0);
    expect((await audit([malformed, unsafe, '--max-errors', '3'])).code).toBe(1);
    expect((await audit([malformed, unsafe, '--max-errors', '2', '--no-fail'])).code).toBe(2);
    expect((await audit([clean, '--max-errors', '-1'])).code).toBe(2);
  });

  it('2 for a binary file (one error, no raw bytes echoed), an empty file, pretty-printed JSONL', async () => {
    const binary = await input('random.jsonl', randomBytes(20_000));
    const run = await audit([binary, '--format', 'json']);
    expect(run.code).toBe(2);
    const report: Report = JSON.parse(run.stdout);
    expect(report.errors).toEqual([
      {
        file: binary,
        line: 1,
        id: null,
        turn: null,
        reason: expect.stringMatching(/^binary file: expected UTF-8 text/),
      },
    ]);
    // No raw bytes of the file on the terminal: only text, tabs and line breaks.
    expect([...run.stderr].filter((char) => (char < ' ' && char !== '\n') || char === '\ufffd')).toEqual([]);
    const empty = await input('empty.jsonl', '');
    const emptyRun = await audit([empty, '--format', 'json']);
    expect(emptyRun.code).toBe(2);
    expect(JSON.parse(emptyRun.stdout).errors[0].reason).toBe(
      'no conversations: expected at least one, received an empty file',
    );
    const pretty = await input(
      'pretty.jsonl',
      `${JSON.stringify({ messages: [{ role: 'user', content: 'a bomb' }] }, null, 2)}\n`,
    );
    const prettyRun = await audit([pretty, '--format', 'json']);
    expect(prettyRun.code).toBe(2);
    expect(JSON.parse(prettyRun.stdout).errors[0].reason).toContain(
      'pretty-printed JSON: use --input-format json',
    );
    expect((await audit([pretty, '--input-format', 'json'])).code).toBe(1);
  });

  it('keeps the conversations of a JSON array around a stray message', async () => {
    const mixed = await input(
      'mixed.json',
      `[\n${record('hello', 'a')},\n{"role": "user", "content": "stray"},\n${record('a bomb', 'b')}\n]\n`,
    );
    const run = await audit([mixed, '--format', 'json']);
    expect(run.code).toBe(2);
    const report: Report = JSON.parse(run.stdout);
    expect(report.results.map((result) => `${result.id} ${result.safe}`)).toEqual(['a true', 'b false']);
    expect(report.errors.map((error) => `${error.line} ${error.reason.slice(0, 13)}`)).toEqual([
      '3 stray message',
    ]);
    expect((await audit([mixed, '--max-errors', '1'])).code).toBe(1);
  });

  it('| head -1: ends quietly with the code earned so far', async () => {
    const many = await input(
      'many.jsonl',
      jsonl(['a bomb', ...Array.from({ length: 3000 }, (_, index) => `question ${index}`)]),
    );
    let first = '';
    const run = await audit([many, '--format', 'jsonl'], {
      scripted: { delayMs: 1 },
      onSpawn: (child) => {
        child.stdout?.once('data', (chunk: Buffer) => {
          first = chunk.toString().split('\n')[0] ?? '';
          child.stdout?.destroy();
        });
      },
    });
    expect(JSON.parse(first)).toMatchObject({ kind: 'result', line: 1, safe: false });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/EPIPE|Error|at /);
  });
});

describe('every error is in every report', () => {
  it('json, jsonl, csv, sarif and html list file, line, id, turn and reason', async () => {
    const file = await input(
      'one-bad.jsonl',
      `${record('hello', 'ok')}\nnot json\n${record('a bomb', 'x')}\n`,
    );
    const outputs = Object.fromEntries(
      ['json', 'jsonl', 'csv', 'sarif', 'html'].map((format) => [format, path.join(dir, `r.${format}`)]),
    );
    for (const [format, output] of Object.entries(outputs)) {
      const run = await audit([file, '--output', output]);
      expect(run.code, format).toBe(2);
      expect(run.stderr).toContain(`vigil: wrote ${output} (${format})`);
    }
    const json: Report = JSON.parse(await readFile(outputs.json as string, 'utf8'));
    expect(json.errors).toEqual([
      { file, line: 2, id: null, turn: null, reason: expect.stringMatching(/^malformed JSON: /) },
    ]);
    expect(json.summary.errors).toBe(1);
    const lines = (await readFile(outputs.jsonl as string, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => `${line.kind}:${line.line}`)).toEqual(['result:1', 'error:2', 'result:3']);
    const csv = (await readFile(outputs.csv as string, 'utf8')).split('\r\n');
    expect(csv[2]).toMatch(
      new RegExp(`^error,${file.replace(/[.\\/]/g, '\\$&')},2,,,,,,,,"?malformed JSON: `),
    );
    const sarif = JSON.parse(await readFile(outputs.sarif as string, 'utf8')).runs[0];
    expect(sarif.invocations[0].executionSuccessful).toBe(false);
    expect(
      sarif.invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.region.startLine,
    ).toBe(2);
    const html = await readFile(outputs.html as string, 'utf8');
    expect(html).toContain('Not checked (1 errors)');
    expect(html).toMatch(/Model scripted · policy \(flags only\) · started \d{4}-\d\d-\d\dT/);
  });
});

describe('nothing is destroyed', () => {
  it('refuses an output that is one of the inputs, however it is spelled', async () => {
    const file = await input('self/a.jsonl', jsonl(['hello']));
    await symlink(file, path.join(dir, 'self/link.jsonl'));
    const relative = path.relative(process.cwd(), file);
    for (const output of [file, `${path.dirname(file)}/../self/a.jsonl`, path.join(dir, 'self/link.jsonl')]) {
      const run = await audit([relative, '--output', output]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--output: expected a file that is not one of the inputs');
    }
    const resumed = await audit([file, '--format', 'jsonl', '--output', file, '--resume']);
    expect(resumed.code).toBe(2);
  });

  it('--resume leaves a file that is not a vigil report untouched', async () => {
    const transcript = await input('one-line.jsonl', record('a one-line transcript, no line break'));
    const other = await input('other.jsonl', jsonl(['hello']));
    const run = await audit([other, '--format', 'jsonl', '--output', transcript, '--resume']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `--resume: expected '${transcript}' to be an earlier --format jsonl report of vigil audit`,
    );
  });

  it('SIGTERM and SIGHUP write the partial report atomically; kill -9 leaves the old one', async () => {
    const big = await input(
      'big.txt',
      Array.from({ length: 3000 }, (_, index) => `question ${index}\n`).join(''),
    );
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ] as const) {
      const output = path.join(dir, `partial-${signal}.json`);
      await writeFile(output, 'an earlier report');
      const run = await audit([big, '--output', output], {
        scripted: { delayMs: 2 },
        onSpawn: (child) => killWhenWriting(child, signal),
      });
      expect(run.code).toBe(code);
      const report: Report = JSON.parse(await readFile(output, 'utf8'));
      expect(report.summary.interrupted).toBe(true);
      expect(report.results).toHaveLength(report.summary.turnsChecked);
      expect(report.results.map((result) => result.line)).toEqual(
        report.results.map((_, index) => index + 1),
      );
    }
    const output = path.join(dir, 'killed.json');
    await writeFile(output, 'an earlier report');
    const killed = await audit([big, '--output', output], {
      scripted: { delayMs: 2 },
      onSpawn: (child) => killWhenWriting(child, 'SIGKILL'),
    });
    expect(killed.code).toBe(null);
    expect(await readFile(output, 'utf8')).toBe('an earlier report');
  });

  it('a write error (ENOSPC) ends with a clear message and exit 2, never an unhandled error', async () => {
    const file = await input('full.jsonl', jsonl(['hello', 'a bomb']));
    for (const format of ['jsonl', 'json']) {
      const run = await audit([file, '--format', format, '--output', '/dev/full']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        "vigil audit: cannot write the report to '/dev/full': ENOSPC: no space left on device",
      );
      expect(run.stderr).not.toContain('Unhandled');
    }
    const full = openSync('/dev/full', 'w');
    try {
      const run = await audit([file, '--format', 'json'], { stdout: full });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('cannot write the report to stdout: ENOSPC');
    } finally {
      closeSync(full);
    }
  });
});

describe('input as written, in input order', () => {
  it('reads CR, LF and CRLF line ends alike', async () => {
    const records = [record('one'), record('a bomb'), record('three'), record('four'), record('five')];
    for (const [name, end] of [
      ['cr', '\r'],
      ['lf', '\n'],
      ['crlf', '\r\n'],
    ] as const) {
      const file = await input(`ends-${name}.jsonl`, records.join(end));
      const report: Report = JSON.parse((await audit([file, '--format', 'json'])).stdout);
      expect(report.summary, name).toMatchObject({
        conversations: 5,
        turnsChecked: 5,
        flagged: 1,
        errors: 0,
      });
      expect(report.results.map((result) => result.line)).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('reads a file named several ways once; --resume knows it under another name', async () => {
    const file = await input('names/a.jsonl', jsonl(['hello', 'a bomb']));
    const relative = path.relative(process.cwd(), file);
    const names = [relative, `./${relative}`, `${path.dirname(relative)}/../names/a.jsonl`];
    const report: Report = JSON.parse((await audit([...names, '--format', 'json'])).stdout);
    expect(report.summary).toMatchObject({ conversations: 2, turnsChecked: 2 });
    const output = path.join(dir, 'names.jsonl');
    expect((await audit([relative, '--format', 'jsonl', '--output', output])).code).toBe(1);
    const resumed = await audit([`./${relative}`, '--format', 'jsonl', '--output', output, '--resume']);
    expect(resumed.code).toBe(1);
    expect((await readFile(output, 'utf8')).trim().split('\n')).toHaveLength(2);
    expect(resumed.stderr).toContain(`vigil: --resume skipped 2 turns and errors already in ${output}`);
  });

  it('lists results in input order, files in the order given', async () => {
    const first = await input('order/b.jsonl', jsonl(Array.from({ length: 40 }, (_, index) => `b ${index}`)));
    const second = await input(
      'order/a.jsonl',
      jsonl(Array.from({ length: 40 }, (_, index) => `a ${index}`)),
    );
    const run = await audit([first, second, '--format', 'json', '--concurrency', '8'], {
      scripted: { delayMs: 1 },
    });
    const report: Report = JSON.parse(run.stdout);
    const expected = [first, second].flatMap((file) =>
      Array.from({ length: 40 }, (_, index) => `${file}:${index + 1}`),
    );
    expect(report.results.map((result) => `${result.file}:${result.line}`)).toEqual(expected);
  });
});

describe('flags for what the advice names', () => {
  it('--help lists every policy key, the new flags, the model: rule and the exit codes', async () => {
    const help = (await runVigil(['audit', '--help'])).stdout;
    for (const key of Object.keys(policyFileSchema.shape).filter((name) => name !== '$schema')) {
      expect(help).toContain(key);
    }
    for (const text of [
      '--context-size N',
      '--no-verify-model',
      '--max-errors N',
      'relative to the policy file',
      '129, 130, 143',
    ]) {
      expect(help).toContain(text);
    }
  });

  it("the audit guide's exit-code table lists the codes --help lists", async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'docs/guide/audit.md'), 'utf8');
    const table = readme.slice(readme.indexOf('Exit codes of `vigil audit`'));
    const readmeCodes = [...table.matchAll(/^\| ([\d, ]+) \|/gm)].map((match) => match[1]);
    expect(readmeCodes).toEqual(['0', '1', '2', '129, 130, 143']);
    const help = (await runVigil(['audit', '--help'])).stdout;
    const section = help.slice(help.indexOf('Exit codes:'), help.indexOf('Examples:'));
    const helpCodes = [...section.matchAll(/^ {2}([\d, ]*\d)(?: {2,}|\n)/gm)].map((match) => match[1]);
    expect(helpCodes).toEqual(readmeCodes);
  });

  it('takes verifyModel and contextSize from a policy file', async () => {
    const policy = await input('policy.yaml', 'verifyModel: false\ncontextSize: 2048\n');
    const file = await input('policy-input.jsonl', jsonl(['hello']));
    expect((await audit([file, '--policy', policy])).code).toBe(0);
    const bad = await input('bad-policy.yaml', 'verifyModel: maybe\n');
    const run = await audit([file, '--policy', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('verifyModel');
    // Only the run killed with -9 leaves its temporary file (nothing can remove it).
    expect((await readdir(dir)).filter((name) => name.endsWith('.vigil-tmp'))).toEqual([
      expect.stringMatching(/^\.killed\.json\.[0-9a-f]{8}\.vigil-tmp$/),
    ]);
  });
});
