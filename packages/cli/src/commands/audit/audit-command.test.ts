import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../context/cli-context.js';
import { runCli } from '../../shell/main.js';

const examples = path.resolve(import.meta.dirname, '../../../../../examples/transcripts');
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-audit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface VigilOptions {
  signal?: AbortSignal;
  delayMs?: number;
  /** Sees stdout after each write. */
  onStdout?: (stdout: string) => void;
}

async function vigil(args: string[], options: VigilOptions = {}) {
  let stdout = '';
  let stderr = '';
  const context: CliContext = {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        options.onStdout?.(stdout);
      },
    },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: (async function* () {})(),
    env: {},
    engine: createScriptedEngine({ delayMs: options.delayMs ?? 0 }),
    signal: options.signal,
  };
  const code = await runCli(['audit', ...args, '--no-progress'], context);
  return { code, stdout, stderr };
}

describe('vigil audit', () => {
  it('writes one JSON document with the summary, every result and error; exits 2 for the errors', async () => {
    const { code, stdout, stderr } = await vigil([examples, '--format', 'json']);
    expect(code).toBe(2);
    const report = JSON.parse(stdout);
    expect(report.summary).toEqual({
      files: 6,
      conversations: 21,
      turnsChecked: 21,
      flagged: 8,
      byCategory: { S9: 4, S1: 2, S10: 2 },
      errors: 4,
      interrupted: false,
    });
    expect(report.results).toHaveLength(21);
    expect(Object.keys(report.results[0])).toEqual([
      'file',
      'line',
      'id',
      'turn',
      'role',
      'safe',
      'categories',
      'ignoredCategories',
      'unsafeProbability',
    ]);
    expect(report.errors.map((error: { line: number }) => error.line)).toEqual([2, 3, 4, 5]);
    expect(stderr).toContain('malformed.jsonl:2: malformed JSON');
    expect(stderr).toContain(
      'vigil: 4 records or turns were not checked (exit 2; --max-errors N tolerates N)',
    );
    expect((await vigil([examples, '--format', 'json', '--max-errors', '4'])).code).toBe(1);
    expect((await vigil([examples, '--format', 'json', '--max-errors', '3'])).code).toBe(2);
    expect(stderr).toContain('vigil: 6 files, 21 conversations, 21 turns checked, 8 flagged');
  });

  it('honours --no-fail, --only-flagged, --role, --every-turn and policy flags', async () => {
    const chat = path.join(examples, 'chat.jsonl');
    expect((await vigil([chat, '--no-fail', '--format', 'jsonl'])).code).toBe(0);
    const flagged = await vigil([chat, '--only-flagged', '--format', 'jsonl']);
    expect(flagged.stdout.trim().split('\n')).toHaveLength(2);
    const every = JSON.parse(
      (await vigil([chat, '--every-turn', '--role', 'user', '--format', 'json'])).stdout,
    );
    expect(every.summary).toMatchObject({ turnsChecked: 7, flagged: 1 });
    const excluded = await vigil([chat, '--exclude', 'S9', '--format', 'json']);
    expect(excluded.code).toBe(0);
    const policy = path.join(dir, 'policy.yaml');
    await writeFile(policy, 'threshold: 0.99\n');
    expect((await vigil([chat, '--policy', policy, '--format', 'json'])).code).toBe(0);
  });

  it('writes csv, sarif and html reports to --output (format from the extension)', async () => {
    const csv = path.join(dir, 'report.csv');
    expect((await vigil([examples, '--output', csv])).code).toBe(2);
    const rows = (await readFile(csv, 'utf8')).trim().split('\r\n');
    expect(rows[0]).toBe(
      'kind,file,line,id,turn,role,safe,categories,ignoredCategories,unsafeProbability,reason',
    );
    expect(rows).toHaveLength(26);
    expect(rows.filter((row) => row.startsWith('error,'))).toHaveLength(4);
    const sarif = path.join(dir, 'report.sarif');
    await vigil([examples, '--output', sarif]);
    const log = JSON.parse(await readFile(sarif, 'utf8'));
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results).toHaveLength(8);
    const html = path.join(dir, 'report.html');
    await vigil([examples, '--output', html]);
    expect(await readFile(html, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
  });

  it('resumes from an earlier jsonl report without re-checking what it holds', async () => {
    const output = path.join(dir, 'resume.jsonl');
    const full = await vigil([examples, '--format', 'jsonl', '--output', output]);
    const lines = (await readFile(output, 'utf8')).split('\n');
    // Keep 10 results and half of the 11th, as if the first run was killed mid-write.
    await writeFile(output, `${lines.slice(0, 10).join('\n')}\n${lines[10]?.slice(0, 20)}`);
    const resumed = await vigil([examples, '--format', 'jsonl', '--output', output, '--resume']);
    expect(resumed.code).toBe(full.code);
    const after = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(after).toHaveLength(25);
    expect(new Set(after.map((result) => `${result.file}:${result.line}:${result.turn}`)).size).toBe(25);
    expect(resumed.stderr).toContain('21 turns checked, 8 flagged (S9 4, S1 2, S10 2), 4 errors');
    expect(resumed.stderr).toContain(`vigil: --resume skipped 10 turns and errors already in ${output}`);
  });

  it('writes the partial report when stopped, and exits 130', async () => {
    const controller = new AbortController();
    // Stopped once the run is under way (the first result is out), not on a timer: a stop during
    // the guard's load writes nothing and exits 130 too).
    const { code, stdout } = await vigil([examples, '--format', 'json'], {
      signal: controller.signal,
      delayMs: 10,
      onStdout: (text) => text.includes('"file"') && controller.abort(),
    });
    expect(code).toBe(130);
    const report = JSON.parse(stdout);
    expect(report.summary.interrupted).toBe(true);
    expect(report.results.length).toBe(report.summary.turnsChecked);
    expect(report.summary.turnsChecked).toBeLessThan(21);
  });

  it('exits 2 on usage errors', async () => {
    expect((await vigil([])).stderr).toContain('expected at least one PATH');
    expect((await vigil(['missing.jsonl'])).stderr).toContain("cannot read 'missing.jsonl'");
    expect((await vigil([examples, '--format', 'xml'])).stderr).toContain(
      "--format: expected one of table, json, jsonl, csv, sarif, html, received 'xml'",
    );
    expect((await vigil([examples, '--resume'])).stderr).toContain(
      '--resume: expected --format jsonl and --output FILE',
    );
    expect((await vigil([examples, '--concurrency', '0'])).code).toBe(2);
  });
});
