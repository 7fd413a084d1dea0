// Issue 23, points 4 and 5: a request cut by serve's shutdown deadline is logged as cut (the
// connection was closed without an answer), never as a status it did not send or with a stack;
// the model is named one way (see modelName) in responses, logs and reports.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PATHS } from '../scripts/fixtures/fixture-facts.js';
import { buildCliOnce, runVigil } from './support/vigil-cli.js';

let dir = '';
beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-names-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const moderate = (url: string, input: string) =>
  fetch(`${url}/v1/moderations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': `req-${input}` },
    body: JSON.stringify({ input }),
  });

describe('vigil serve shutting down past --shutdown-timeout-ms', () => {
  it('logs each cut request as cut: no status it never sent, no stack', async () => {
    const answers: Promise<string>[] = [];
    let pending = '';
    // Every check takes 20 s; the deadline is 300 ms: both requests are cut.
    const run = await runVigil(['serve', '--port', '0', '--shutdown-timeout-ms', '300'], {
      scripted: { delayMs: 20_000 },
      onSpawn: (child) => {
        child.stdout?.on('data', async (chunk: Buffer) => {
          pending += chunk;
          const ready = /"url":"(http:[^"]+)".*"msg":"ready"/.exec(pending);
          if (!ready || answers.length > 0) return;
          const url = ready[1] as string;
          for (const input of ['a', 'b']) {
            answers.push(
              moderate(url, input).then(
                (response) => `status ${response.status}`,
                () => 'no answer',
              ),
            );
          }
          // Both requests are admitted (one classification each) before the SIGTERM.
          for (let tries = 0; tries < 200; tries++) {
            const metrics = await (await fetch(`${url}/metrics`)).text();
            if (/vigil_classifications_in_flight \d*2\b/.test(metrics)) break;
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          child.kill('SIGTERM');
        });
      },
    });
    expect(await Promise.all(answers)).toEqual(['no answer', 'no answer']);
    expect(run.code).toBe(1);
    const logs = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const cut = logs.filter((entry) => entry.outcome === 'cut');
    expect(cut.map((entry) => entry.requestId).sort()).toEqual(['req-a', 'req-b']);
    expect(cut[0]).toMatchObject({
      level: 40,
      method: 'POST',
      route: '/v1/moderations',
      msg: 'connection closed without an answer (--shutdown-timeout-ms 300 passed)',
    });
    expect(logs.filter((entry) => entry.msg === 'request')).toEqual([]);
    expect(run.stdout).not.toContain('VigilDisposedError');
    expect(run.stdout).not.toContain('"err"');
    expect(logs.at(-1)).toMatchObject({ msg: 'stopped', finished: false });
  });
});

describe('the model name', () => {
  it('is the GGUF base name in serve --help, responses and logs, and audit reports', async () => {
    const help = await runVigil(['serve', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      "default: the model's name, the GGUF file's base name without .gguf (for an hf: URI, its file's), or the served model's name with a remote engine",
    );
    expect(help.stdout).not.toContain('llama-guard-3');

    const transcript = path.join(dir, 'one.jsonl');
    await writeFile(
      transcript,
      `${JSON.stringify({ id: 'x', messages: [{ role: 'user', content: 'hi' }] })}\n`,
    );
    const report = path.join(dir, 'report.html');
    const audit = await runVigil([
      'audit',
      transcript,
      '--model',
      FIXTURE_PATHS.tinyGuard,
      '--output',
      report,
    ]);
    expect(audit.code).toBe(0);
    const html = await readFile(report, 'utf8');
    expect(html).toContain('Model tiny-guard');
    expect(html).not.toMatch(/tiny-guard\.gguf:\d+/);
  });

  it('is what serve answers with and logs (the scripted engine is named "scripted")', async () => {
    let model: unknown;
    const run = await runVigil(['serve', '--port', '0'], {
      scripted: {},
      onSpawn: (child) => {
        let pending = '';
        child.stdout?.on('data', async (chunk: Buffer) => {
          pending += chunk;
          const ready = /"url":"(http:[^"]+)".*"msg":"ready"/.exec(pending);
          if (!ready || model !== undefined) return;
          model = null;
          model = ((await (await moderate(ready[1] as string, 'hi')).json()) as { model: string }).model;
          child.kill('SIGTERM');
        });
      },
    });
    expect(run.code).toBe(0);
    expect(model).toBe('scripted');
    expect(JSON.parse(run.stdout.split('\n')[1] ?? '')).toMatchObject({ msg: 'ready', model: 'scripted' });
  });
});
