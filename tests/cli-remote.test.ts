// Issue 7: `vigil classify` and `vigil audit` on a remote engine, through the built binary, against
// a loopback server that runs the fixture guard and speaks /v1/completions (llama-server's reply
// shape, so prompts travel as token ids and verdicts equal the local engine's). Remote runs get a
// VIGIL_GUARD_MODEL that does not exist: loading a local model would fail them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSharedLlama } from '../packages/guard-core/src/internal/index.js';
import { FIXTURE_PATHS, GUARD_TRIGGERS } from '../scripts/fixtures/fixture-facts.js';
import { type CompletionsServer, startCompletionsServer } from './support/completions-server.js';
import {
  buildCliOnce,
  EXAMPLES_FLAGGED,
  EXAMPLES_SUMMARY,
  EXAMPLES as examples,
  flagged,
  runVigil,
} from './support/vigil-cli.js';

let model: LlamaModel;
let server: CompletionsServer;
let dir = '';
let remote: string[] = [];

/** A server that records each request's headers and refuses it (401), to see the API key sent. */
let refusing: Server;
const refused: IncomingHttpHeaders[] = [];
let refusingURL = '';

/** Runs `vigil` with no API key and a VIGIL_GUARD_MODEL that does not exist, plus `env`. */
function vigil(args: string[], env: Record<string, string> = {}) {
  return runVigil(args, {
    env: { VIGIL_GUARD_MODEL: path.join(dir, 'no-local-model.gguf'), VIGIL_REMOTE_API_KEY: '', ...env },
  });
}

/** A usage error: exit 2, nothing on stdout, the message and the help hint on stderr. */
async function expectUsageError(args: string[], message: string) {
  const run = await vigil(args);
  expect(run, args.join(' ')).toEqual({
    code: 2,
    stdout: '',
    stderr: `vigil ${args[0]}: ${message}\nRun 'vigil ${args[0]} --help' for usage.\n`,
  });
}

beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-cli-remote-'));
  model = await (await getSharedLlama()).loadModel({ modelPath: FIXTURE_PATHS.tinyGuard });
  server = await startCompletionsServer({ model, style: 'llama-server', threads: 2 });
  remote = ['--base-url', server.url, '--model', 'fixture'];
  refusing = createServer((request, response) => {
    refused.push(request.headers);
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"invalid API key"}}');
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  refusingURL = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await server?.close();
  await model?.dispose();
  await new Promise((resolve) => refusing?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('vigil classify --engine remote (built binary, loopback server)', () => {
  it('classifies safe and unsafe text: exit 0 and 1, the same verdict as the local engine', async () => {
    const text = `How do I build a${GUARD_TRIGGERS.S9}?`;
    const [safe, unsafe, local] = await Promise.all([
      vigil(['classify', ...remote, 'What is the capital of France?']),
      vigil(['classify', '--engine', 'remote', ...remote, '--json', text]),
      vigil(['classify', '--model', FIXTURE_PATHS.tinyGuard, '--json', text], { VIGIL_GUARD_MODEL: '' }),
    ]);
    expect(safe).toMatchObject({ code: 0, stderr: '' });
    expect(safe.stdout).toMatch(/^safe {2}P\(unsafe\) 0\.\d\d\n$/);
    expect(unsafe).toMatchObject({ code: 1, stderr: '' });
    const verdict = JSON.parse(unsafe.stdout);
    const expected = JSON.parse(local.stdout);
    // The hand-wired fixture is so sure that `safe` is not among the top 20 logprobs the server
    // lists: the remote probability is the bound nearest 0.5 (equal to local's to 6 places here).
    expect(verdict).toMatchObject({
      safe: false,
      categories: [{ code: 'S9', name: 'Indiscriminate Weapons' }],
      raw: 'unsafe\nS9',
      probabilitySource: 'bounded',
    });
    expect(expected).toMatchObject({ raw: 'unsafe\nS9', probabilitySource: 'logprobs' });
    expect(verdict.unsafeProbability).toBeCloseTo(expected.unsafeProbability, 6);
  });

  it('sends VIGIL_REMOTE_API_KEY as a bearer token; a failing server is exit 2, naming the replica', async () => {
    const [run, down] = await Promise.all([
      vigil(['classify', '--base-url', refusingURL, '--model', 'm', 'hi'], {
        VIGIL_REMOTE_API_KEY: 'sk-test',
      }),
      vigil(['classify', '--base-url', 'http://127.0.0.1:9', '--model', 'm', '--max-retries', '0', 'hi']),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`replica ${refusingURL}`);
    expect(run.stderr).toContain('401');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((headers) => headers.authorization === 'Bearer sk-test')).toBe(true);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('replica http://127.0.0.1:9');
  });
});

describe('vigil audit --engine remote (built binary, loopback server)', () => {
  it('gives the same report as the local engine on the example transcripts', async () => {
    const { code, stdout } = await vigil([
      'audit',
      examples,
      '--engine',
      'remote',
      '--base-url',
      `${server.url}/v1`,
      '--model',
      'fixture',
      '--format',
      'json',
      '--no-progress',
    ]);
    expect(code).toBe(2); // malformed.jsonl's 4 errors
    const report = JSON.parse(stdout);
    expect(report.summary).toEqual(EXAMPLES_SUMMARY);
    expect(flagged(report.results)).toEqual(EXAMPLES_FLAGGED);
  });

  it('takes the engine from a policy file; flags win over it; the key from engine.apiKeyEnv', async () => {
    const transcript = path.join(dir, 'small.txt');
    await writeFile(transcript, `How do I bake bread?\nHow do I build a${GUARD_TRIGGERS.S9}?\n`);
    const policy = path.join(dir, 'vigil.yaml');
    const dead = path.join(dir, 'dead.yaml');
    const engineBlock = (baseURL: string) =>
      `excludeCategories: [S10]\nthreads: 2\nengine:\n  type: remote\n  baseURL: ${baseURL}\n  model: fixture\n  apiKeyEnv: GUARD_KEY\n`;
    await writeFile(policy, engineBlock(server.url));
    // The second file names a dead server: --base-url replaces it, the key variable stays.
    await writeFile(dead, engineBlock('http://127.0.0.1:9'));
    const [fromFile, overridden, refusedRun, local] = await Promise.all([
      vigil(['audit', transcript, '--policy', policy, '--format', 'json']),
      vigil(['classify', '--policy', dead, '--base-url', server.url, '--exclude', 'S9', 'a bomb']),
      vigil(['classify', '--policy', dead, '--base-url', refusingURL, 'hi'], { GUARD_KEY: 'sk-file' }),
      // --engine local leaves the file's engine block out: the local model is looked for.
      vigil(['classify', '--policy', policy, '--engine', 'local', '--model', 'nope.gguf', 'hi']),
    ]);
    expect(fromFile.code).toBe(1);
    expect(JSON.parse(fromFile.stdout).summary).toMatchObject({ turnsChecked: 2, flagged: 1 });
    expect(overridden).toMatchObject({ code: 0, stderr: '' });
    expect(refusedRun.code).toBe(2);
    expect(refused.at(-1)?.authorization).toBe('Bearer sk-file');
    expect(local.code).toBe(2);
    expect(local.stderr).toContain("model 'nope.gguf': no such file");
  });

  it('names file:line for a bad engine block and refuses an API key in the file', async () => {
    const policy = path.join(dir, 'bad.yaml');
    await writeFile(policy, 'threshold: 0.5\nengine:\n  type: remote\n  baseURL: gpu-1:8000\n  model: m\n');
    await expectUsageError(
      ['audit', examples, '--policy', policy],
      `${policy}:4: engine.baseURL: expected an http(s) URL, received "gpu-1:8000"`,
    );
    await writeFile(
      policy,
      'engine:\n  type: remote\n  baseURL: http://gpu-1:8000\n  model: m\n  apiKey: sk-1\n',
    );
    await expectUsageError(
      ['classify', '--policy', policy, 'hi'],
      `${policy}:5: engine.apiKey: the API key is never read from a file; set VIGIL_REMOTE_API_KEY (or name another variable with engine.apiKeyEnv)`,
    );
  });
});

describe('engine usage errors and help', () => {
  it('exits 2 on flags that do not fit the engine, naming the flag', async () => {
    const cases: [string[], string][] = [
      [
        ['classify', '--engine', 'local', '--base-url', 'http://gpu-1:8000', 'hi'],
        '--base-url: expected --engine remote, received --engine local',
      ],
      [
        ['audit', examples, '--engine', 'remote', '--model', 'm'],
        '--engine remote: expected --base-url URL (or an engine block in the --policy file), received neither',
      ],
      [
        ['classify', '--base-url', 'http://gpu-1:8000', 'hi'],
        "--base-url: expected --model NAME, the model name the server serves (vLLM's --served-model-name), received none",
      ],
      [
        ['audit', examples, ...remote, '--threads', '4'],
        '--threads: expected the local engine (a server sets its own threads), received a remote engine (--base-url)',
      ],
      [
        ['classify', '--timeout-ms', '500', 'hi'],
        '--timeout-ms: expected a remote engine (--engine remote --base-url URL), received the local engine',
      ],
      [
        ['classify', '--base-url', 'http://gpu-1:8000,gpu-2:8000', '--model', 'm', 'hi'],
        "--base-url: expected an http(s) URL, received 'gpu-2:8000'",
      ],
      [['audit', examples, '--engine', 'gpu'], "--engine: expected one of local, remote, received 'gpu'"],
      [
        ['classify', ...remote, '--max-retries', '11', 'hi'],
        "--max-retries: too big: expected number to be <=10, received '11'",
      ],
    ];
    await Promise.all(cases.map(([args, message]) => expectUsageError(args, message)));
  });

  it('documents the remote engine in --help, with an example', async () => {
    for (const command of ['classify', 'audit']) {
      const { code, stdout } = await vigil([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain('--engine local|remote');
      expect(stdout).toContain('VIGIL_REMOTE_API_KEY');
      expect(stdout.slice(stdout.indexOf('Examples:'))).toContain('--base-url http://gpu-1:8000/v1');
    }
  });
});
