// Issue 23, points 2 and 3: every command that loads a model says so at once and shows the load
// going on; a signal during the load ends the process with 128 + its number and writes nothing;
// `vigil serve` listens before it loads (a busy port fails at once, /readyz is 503 while loading).
// The built CLI spawned as a user runs it: the fixture model, or the scripted engine made to take
// a minute to "load" so that a signal surely lands during the load.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PATHS } from '../scripts/fixtures/fixture-facts.js';
import { buildCliOnce, runVigil } from './support/vigil-cli.js';

let dir = '';
let transcript = '';
let dataset = '';

beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-startup-'));
  transcript = path.join(dir, 'chats.jsonl');
  await writeFile(
    transcript,
    `${JSON.stringify({ id: 'a', messages: [{ role: 'user', content: 'hi' }] })}\n`,
  );
  dataset = path.join(dir, 'rows.jsonl');
  await writeFile(dataset, `${JSON.stringify({ text: 'hi', label: 'safe' })}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Calls `then` with the child once its stderr contains `text`. */
function onStderr(text: string, then: (child: ChildProcess) => void) {
  return (child: ChildProcess) => {
    let seen = '';
    let done = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk;
      if (!done && seen.includes(text)) {
        done = true;
        then(child);
      }
    });
  };
}

/** A scripted engine that takes a minute to load: any signal sent once loading shows lands in it. */
const slowLoad = { scripted: { loadMs: 60_000 } };

describe('loading a model', () => {
  it('says which file it loads, its size and how long it took', async () => {
    const run = await runVigil(['classify', '--model', FIXTURE_PATHS.tinyGuard, 'Hello!']);
    expect(run.code).toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^vigil: loading model tiny-guard\.gguf \(\d+(\.\d)? MB\)\.\.\.$/);
    expect(lines.at(-1)).toMatch(/^vigil: loaded model tiny-guard\.gguf \(\d+(\.\d)? MB\) in \d+\.\d s$/);
    // Every line between says it is still loading, with the time so far.
    for (const line of lines.slice(1, -1)) expect(line).toMatch(/^vigil: loading model .* \d+\.\d s$/);
    expect(run.stdout).toMatch(/^safe/);
  });

  it('models pull says what it pulls and where before any download', async () => {
    const run = await runVigil(['models', 'pull', 'hf:someone/repo/guard.gguf'], {
      env: { VIGIL_MODELS_DIR: dir, HF_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`vigil: pulling hf:someone/repo/guard.gguf into ${dir}`);
  });

  it.each([
    { command: 'classify', args: ['classify', 'Hello!'], signal: 'SIGINT', code: 130 },
    { command: 'eval', args: ['eval', '__dataset__', '--format', 'json'], signal: 'SIGTERM', code: 143 },
    { command: 'serve', args: ['serve', '--port', '0'], signal: 'SIGTERM', code: 143 },
  ] as const)(
    '$command stops on $signal during the load with exit $code and prints nothing',
    async ({ args, signal, code }) => {
      const run = await runVigil(
        args.map((arg) => (arg === '__dataset__' ? dataset : arg)),
        {
          ...slowLoad,
          onSpawn: onStderr('vigil: loading engine', (child) => child.kill(signal)),
        },
      );
      expect(run.code).toBe(code);
      expect(run.stderr).toContain(`: ${signal} while loading the model: stopped, nothing written\n`);
      if (args[0] !== 'serve') expect(run.stdout).toBe('');
    },
  );

  it('audit stopped during the load writes no report, not an empty "0 files" one', async () => {
    const report = path.join(dir, 'report.json');
    const run = await runVigil(['audit', transcript, '--output', report], {
      ...slowLoad,
      onSpawn: onStderr('vigil: loading engine', (child) => child.kill('SIGINT')),
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('vigil audit: SIGINT while loading the model: stopped, nothing written');
    expect(run.stderr).not.toContain('0 files');
    expect(existsSync(report)).toBe(false);
  });
});

/** What a client gets from `url`: status, JSON body and Retry-After. */
async function probe(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return {
    status: response.status,
    body: await response.json(),
    retryAfter: response.headers.get('retry-after'),
  };
}

describe('vigil serve before its model is loaded', () => {
  it('answers /healthz, says /readyz 503 loading, and refuses work with 503 and Retry-After', async () => {
    const probes: Awaited<ReturnType<typeof probe>>[] = [];
    let stderr = '';
    const run = await runVigil(['serve', '--port', '0'], {
      ...slowLoad,
      onSpawn: (child) => {
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
        onStderr('vigil: loading engine', async () => {
          const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
          try {
            probes.push(await probe(`${url}/healthz`));
            probes.push(await probe(`${url}/readyz`));
            probes.push(
              await probe(`${url}/v1/moderations`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ input: 'hi' }),
              }),
            );
          } finally {
            child.kill('SIGTERM');
          }
        })(child);
      },
    });
    expect(run.code).toBe(143);
    expect(probes).toEqual([
      { status: 200, body: { status: 'ok' }, retryAfter: null },
      { status: 503, body: { status: 'loading' }, retryAfter: null },
      {
        status: 503,
        body: { error: expect.objectContaining({ code: 'model_loading', type: 'service_unavailable' }) },
        retryAfter: '1',
      },
    ]);
    expect(JSON.parse(run.stdout.split('\n')[0] ?? '')).toMatchObject({ msg: 'listening', state: 'loading' });
  });

  it('fails at once on a port in use, before loading anything: exit 2 and a clear message', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      // The engine would take a minute to load: an answer at all means the port came first.
      const run = await runVigil(['serve', '--port', String(port)], slowLoad);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--port ${port}: port ${port} is already in use on 127.0.0.1`);
      expect(run.stderr).not.toContain('loading');
    } finally {
      taken.close();
    }
  });
});
