// Issue 14: the real `vigil serve` process on the fixture guard: 50 concurrent moderation
// requests with a SIGTERM in the middle (every accepted request answered, exit 0), start-up
// checks (policy file:line, auth on a reachable host) and --help.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS, GUARD_TRIGGERS, REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';

const bin = path.join(REPO_ROOT, 'packages/cli/bin/vigil.js');
let scratch: string;

beforeAll(async () => {
  await ensureTinyFixtures();
  spawnSync('npx', ['tsc', '-b'], { cwd: REPO_ROOT, stdio: 'ignore' });
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/serve/serve-command.js'))) {
    throw new Error('npx tsc -b did not build packages/cli/dist/commands/serve/serve-command.js');
  }
  scratch = await mkdtemp(path.join(tmpdir(), 'vigil-serve-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  url: Promise<string>;
}

function startVigil(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';
  let onUrl: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (onUrl = resolve));
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === 'ready') onUrl(entry.url as string);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, logs, stderr: () => stderr, exited, url };
}

const moderate = (url: string, input: string) =>
  fetch(`${url}/v1/moderations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input }),
  });

describe('vigil serve, the process', () => {
  it('answers 50 concurrent requests across a SIGTERM, then exits 0', async () => {
    const vigil = startVigil([
      '--model',
      FIXTURE_PATHS.tinyGuard,
      '--port',
      '0',
      '--threads',
      '2',
      '--concurrency',
      '2',
      '--shutdown-timeout-ms',
      '60000',
    ]);
    const url = await Promise.race([
      vigil.url,
      vigil.exited.then((code) => {
        throw new Error(`vigil serve exited ${code} before listening: ${vigil.stderr()}`);
      }),
    ]);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // Distinct texts (no verdict cache), every fifth one with a trigger word.
    const texts = Array.from({ length: 50 }, (_, index) =>
      index % 5 === 0 ? `message ${index}:${GUARD_TRIGGERS.S9} here` : `message ${index}: a quiet walk`,
    );
    let answered = 0;
    const requests = texts.map(async (text) => {
      const response = await moderate(url, text);
      const body = (await response.json()) as { results: { flagged: boolean }[] };
      answered++;
      return { status: response.status, flagged: body.results[0]?.flagged };
    });
    // SIGTERM once the first answer is back: the other requests are in flight or queued.
    while (answered === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const answeredAtSigterm = answered;
    vigil.child.kill('SIGTERM');
    const results = await Promise.all(requests);
    expect(answeredAtSigterm).toBeLessThan(25);
    expect(results.map((result) => result.status)).toEqual(new Array(50).fill(200));
    expect(results.map((result) => result.flagged)).toEqual(texts.map((_, index) => index % 5 === 0));
    expect(await vigil.exited).toBe(0);
    const messages = vigil.logs.map((entry) => entry.msg);
    expect(messages.filter((message) => message === 'request')).toHaveLength(50);
    expect(messages.at(-1)).toBe('stopped');
    expect(vigil.logs.at(-1)).toMatchObject({ finished: true });
    const drainedAt = messages.indexOf('draining');
    expect(drainedAt).toBeGreaterThan(0);
    // Answers kept coming after the SIGTERM: the drain waited for them.
    expect(messages.slice(drainedAt).filter((message) => message === 'request').length).toBeGreaterThan(0);
    // No text in the logs without --log-content.
    expect(JSON.stringify(vigil.logs)).not.toContain('quiet walk');
    await expect(moderate(url, 'after')).rejects.toThrow();
  });

  it('checks the policy file at start and names file:line', async () => {
    const policy = path.join(scratch, 'policy.yaml');
    await writeFile(policy, 'threshold: 0.5\nexclude: [S6]\n');
    const vigil = startVigil(['--policy', policy, '--model', FIXTURE_PATHS.tinyGuard]);
    expect(await vigil.exited).toBe(2);
    expect(vigil.stderr()).toContain(`${policy}:2: unknown setting 'exclude'`);
  });

  it('refuses a reachable host without an API key', async () => {
    const vigil = startVigil(['--host', '0.0.0.0', '--model', FIXTURE_PATHS.tinyGuard]);
    expect(await vigil.exited).toBe(2);
    expect(vigil.stderr()).toContain('--allow-unauthenticated');
  });

  it('prints its help with examples', async () => {
    const run = spawnSync(process.execPath, [bin, 'serve', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: vigil serve [options]');
    expect(run.stdout).toMatch(/Examples:\n {2}vigil serve /);
    for (const flag of ['--port', '--api-key', '--upstream', '--log-content', '--max-pending', '--policy'])
      expect(run.stdout).toContain(flag);
  });
});
