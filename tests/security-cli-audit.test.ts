// Issue 24 items 11, 14, 17, 18: `vigil audit`'s reports are safe to open and never cost an
// input a byte. The built CLI, spawned as a user would, with guard-core's scripted engine
// (` bomb` S9, ` kill` S1, ` hate` S10): each run takes milliseconds. Every input's bytes are
// checked unchanged at the end.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';
import { buildCliOnce, runVigil } from './support/vigil-cli.js';

let dir = '';
const inputs = new Map<string, Buffer>();

function audit(args: string[]) {
  return runVigil(['audit', ...args, '--no-progress'], { scripted: {} });
}

/** Writes an input file and remembers its bytes, checked unchanged after every test. */
async function input(name: string, content: string) {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  inputs.set(file, Buffer.from(content));
  return file;
}

const record = (messages: unknown[], id?: string) => JSON.stringify({ ...(id ? { id } : {}), messages });
const user = (text: string, id?: string) => record([{ role: 'user', content: text }], id);

interface Report {
  results: { file: string; line: number; turn: number; role: string; safe: boolean; categories: string[] }[];
  errors: { file: string; line: number; turn: number | null; reason: string }[];
  summary: { turnsChecked: number; flagged: number; errors: number };
}

beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-security-cli-'));
});
afterAll(async () => {
  for (const [file, bytes] of inputs) expect(await readFile(file), file).toEqual(bytes);
  await rm(dir, { recursive: true, force: true });
});

describe('--output is never one of the inputs (item 11)', () => {
  const big = Array.from({ length: 200 }, (_, index) => user(`message ${index} about the weather`)).join(
    '\n',
  );

  it.each(['jsonl', 'json', 'csv', 'html', 'sarif'])(
    'refuses a hard link to an input (%s)',
    async (format) => {
      const source = await input(`hard-${format}/chats.jsonl`, `${big}\n`);
      const alias = path.join(dir, `hard-${format}/report.${format}`);
      await link(source, alias);
      const run = await audit([source, '--format', format, '--output', alias]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `--output: expected a file that is not one of the inputs, received '${alias}'`,
      );
    },
  );

  it('refuses a hard link with --resume, and through a directory reached by another name', async () => {
    const source = await input('resume/chats.jsonl', `${big}\n`);
    const alias = path.join(dir, 'resume/report.jsonl');
    await link(source, alias);
    const resumed = await audit([source, '--format', 'jsonl', '--output', alias, '--resume']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('not one of the inputs');
    await symlink(path.join(dir, 'resume'), path.join(dir, 'resume-alias'));
    const viaDirectory = path.join(dir, 'resume-alias/chats.jsonl');
    const run = await audit([source, '--format', 'jsonl', '--output', viaDirectory]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not one of the inputs');
  });

  it('refuses the file stdin reads from (vigil audit - --output chats.jsonl < chats.jsonl)', async () => {
    const source = await input('stdin/chats.jsonl', `${big}\n`);
    const stdin = openSync(source, 'r');
    try {
      const child = spawn(
        process.execPath,
        [
          path.join(REPO_ROOT, 'tests/support/vigil-scripted.js'),
          'audit',
          '-',
          '--format',
          'jsonl',
          '--output',
          source,
        ],
        { cwd: REPO_ROOT, stdio: [stdin, 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(code).toBe(2);
      expect(stderr).toContain('not one of the inputs');
    } finally {
      closeSync(stdin);
    }
  });
});

describe('CSV cells never run as formulas (item 14)', () => {
  it("prefixes =, +, -, @, tab and CR cells with ' and quotes them", async () => {
    const ids = ['=HYPERLINK("http://x.test","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', ' =1'];
    const source = await input(
      'csv/chats.jsonl',
      `${ids.map((id, index) => user(index === 0 ? 'a bomb' : 'hello', id)).join('\n')}\n`,
    );
    const run = await audit([source, '--format', 'csv']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\r\n');
    expect(lines[1]).toContain(`,"'=HYPERLINK(""http://x.test"",""y"")",`);
    for (const id of ids.slice(1)) expect(run.stdout).toContain(`,"'${id}",`);
    // Nothing in a cell (quoted or not) starts with a formula character.
    for (const cell of run.stdout.replace(/"(?:[^"]|"")*"/g, (quoted) => quoted.slice(1)).split(/,|\r\n/))
      expect(cell).not.toMatch(/^\s*[=+@\t\r]|^-\D/);
  });
});

describe('links met while walking are not followed (item 17)', () => {
  it('reports each link as an error and never shows its target; --follow-symlinks or naming it reads it', async () => {
    const outside = await input('outside/secret.jsonl', `${user('the secret plan is a bomb')}\n`);
    await input('walked/chats.jsonl', `${user('hello')}\n`);
    await symlink(outside, path.join(dir, 'walked/leak.jsonl'));
    await symlink(path.join(dir, 'outside'), path.join(dir, 'walked/sub'));
    const html = path.join(dir, 'walk-report.html');
    const run = await audit([path.join(dir, 'walked'), '--format', 'html', '--output', html]);
    expect(run.code).toBe(2);
    const page = await readFile(html, 'utf8');
    expect(page).not.toContain('secret plan');
    const json = await audit([path.join(dir, 'walked'), '--format', 'json']);
    const report: Report = JSON.parse(json.stdout);
    expect(report.summary).toMatchObject({ turnsChecked: 1, flagged: 0, errors: 2 });
    expect(report.errors.map((error) => [path.basename(error.file), error.line])).toEqual([
      ['leak.jsonl', 0],
      ['sub', 0],
    ]);
    expect(report.errors[0]?.reason).toContain('symbolic link not followed');
    const followed = await audit([path.join(dir, 'walked'), '--follow-symlinks', '--format', 'json']);
    expect(followed.code).toBe(1);
    expect(JSON.parse(followed.stdout).summary).toMatchObject({ flagged: 1, errors: 0 });
    const named = await audit([path.join(dir, 'walked/leak.jsonl')]);
    expect(named.code).toBe(1);
  });

  it('a glob does not follow links either', async () => {
    const run = await audit([path.join(dir, 'walked/*.jsonl'), '--format', 'json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).errors.map((error: { file: string }) => path.basename(error.file))).toEqual(
      ['leak.jsonl'],
    );
  });
});

describe('tool calls are judged text of the assistant turn (item 18)', () => {
  const toolCall = (argumentsText: string) => ({
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: argumentsText } }],
  });

  it('judges the arguments of a last assistant turn that holds only tool calls', async () => {
    const source = await input(
      'tools/calls.jsonl',
      `${record([{ role: 'user', content: 'What is the weather?' }, toolCall('{"q":"how to build a bomb"}')], 'tc')}\n`,
    );
    for (const extra of [[], ['--role', 'assistant'], ['--every-turn', '--role', 'assistant']]) {
      const run = await audit([source, '--format', 'json', ...extra]);
      expect(run.code, extra.join(' ')).toBe(1);
      const report: Report = JSON.parse(run.stdout);
      expect(report.results.map((result) => [result.turn, result.role, result.categories])).toEqual([
        [1, 'assistant', ['S9']],
      ]);
    }
  });

  it('a turn it cannot read is an error row (exit 2), never a clean 0', async () => {
    const source = await input(
      'tools/image.jsonl',
      `${record([
        { role: 'user', content: 'Describe this.' },
        { role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] },
      ])}\n`,
    );
    const run = await audit([source, '--format', 'json', '--role', 'assistant']);
    expect(run.code).toBe(2);
    const report: Report = JSON.parse(run.stdout);
    expect(report.summary).toMatchObject({ turnsChecked: 0, errors: 1 });
    expect(report.errors[0]).toMatchObject({ turn: 1 });
    expect(report.errors[0]?.reason).toContain('no text Llama Guard can read (only parts of type image_url)');
  });
});

describe('one rule for tool calls: classify(), the audit and the middleware agree (item 18)', () => {
  it('judges tool-call arguments as the assistant turn everywhere', async () => {
    const { createGuard } = await import('@vigil/guard-core');
    const { createScriptedEngine } = await import('@vigil/guard-core/testing');
    const { vigil } = await import('@vigil/guard-middleware/hono');
    const { Hono } = await import('hono');
    const guard = await createGuard({ engine: createScriptedEngine({}) });
    try {
      const call = {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c', type: 'function', function: { name: 'search', arguments: '{"q":"a bomb"}' } },
        ],
      };
      const conversation = [{ role: 'user', content: 'What is the weather?' }, call];
      const verdict = await guard.classify(conversation as never);
      expect([verdict.role, verdict.safe, verdict.categories.map((category) => category.code)]).toEqual([
        'assistant',
        false,
        ['S9'],
      ]);
      // The middleware, on an answer holding the same call.
      const decisions: { role: string; safe: boolean | undefined }[] = [];
      const app = new Hono();
      app.use(
        '*',
        vigil({ guard, onDecision: (d) => decisions.push({ role: d.role, safe: d.verdict?.safe }) }),
      );
      app.post('/v1/chat/completions', (c) =>
        c.json({
          object: 'chat.completion',
          choices: [{ index: 0, message: call, finish_reason: 'tool_calls' }],
        }),
      );
      const ask = (messages: unknown[]) =>
        app.request('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages }),
        });
      await ask([{ role: 'user', content: 'What is the weather?' }]);
      expect(decisions).toEqual([
        { role: 'user', safe: true },
        { role: 'assistant', safe: false },
      ]);
    } finally {
      await guard.dispose();
    }
  });
});
