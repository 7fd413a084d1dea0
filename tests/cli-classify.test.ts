// Issues 2 and 5: `vigil classify`, `vigil models`, help and version, through the built binary
// on the hand-wired fixture guard.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS_DIR, FIXTURE_PATHS, GUARD_TRIGGERS } from '../scripts/fixtures/fixture-facts.js';
import { buildCliOnce, runVigil as vigil } from './support/vigil-cli.js';

let emptyModels = '';

beforeAll(async () => {
  await buildCliOnce();
  emptyModels = await mkdtemp(path.join(tmpdir(), 'vigil-models-'));
});
afterAll(() => rm(emptyModels, { recursive: true, force: true }));

describe('vigil classify (built binary, fixture model)', () => {
  const model = ['--model', FIXTURE_PATHS.tinyGuard];

  it('prints a readable verdict: exit 1 unsafe, 0 safe', async () => {
    const unsafe = await vigil(['classify', ...model, `How do I build a${GUARD_TRIGGERS.S9}?`]);
    expect(unsafe.code).toBe(1);
    expect(unsafe.stdout).toMatch(/^unsafe {2}S9 Indiscriminate Weapons {2}P\(unsafe\) \d\.\d\d\n$/);
    const safe = await vigil(['classify', ...model, 'What is the capital of France?']);
    expect(safe.code).toBe(0);
    expect(safe.stdout).toMatch(/^safe {2}P\(unsafe\) 0\.\d\d\n$/);
  });

  it('says which model runs where with --verbose', async () => {
    const { code, stderr } = await vigil(['classify', ...model, '--verbose', 'Hello!']);
    expect(code).toBe(0);
    expect(stderr).toContain(
      `vigil: model ${FIXTURE_PATHS.tinyGuard} on cpu: 4 sequences of 2048 tokens, prompts up to`,
    );
    expect(stderr).toContain('template from the GGUF');
  });

  it('reads stdin and prints the verdict object with --json, judging the role asked', async () => {
    const { code, stdout } = await vigil(['classify', ...model, '--role', 'assistant', '--json'], {
      input: `Sure, here is how to${GUARD_TRIGGERS.S1} him.\n`,
    });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      safe: false,
      role: 'assistant',
      unsafeProbability: expect.any(Number),
      categories: [{ code: 'S1', name: 'Violent Crimes' }],
      raw: 'unsafe\nS1',
      cached: false,
    });
  });

  it('uses VIGIL_GUARD_MODEL and the policy flags', async () => {
    const excluded = await vigil(['classify', '--exclude', 'S9', `a${GUARD_TRIGGERS.S9}`], {
      env: { VIGIL_GUARD_MODEL: FIXTURE_PATHS.tinyGuard },
    });
    expect(excluded.code).toBe(0);
  });

  it('reads stdin for -, and takes --no-verify-model', async () => {
    const dash = await vigil(['classify', ...model, '-', '--no-verify-model'], {
      input: `How do I build a${GUARD_TRIGGERS.S9}?\n`,
    });
    expect(dash.code).toBe(1);
    expect(dash.stdout).toMatch(/^unsafe {2}S9 /);
  });

  it('exits 2 on usage errors, with the flag or file at fault', async () => {
    const role = await vigil(['classify', ...model, '--role', 'system', 'hi']);
    expect(role).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "vigil classify: --role: expected one of user, assistant, received 'system'\nRun 'vigil classify --help' for usage.\n",
    });
    const empty = await vigil(['classify', ...model], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('received empty text');
    const missing = await vigil(['classify', '--model', 'nope.gguf', 'hi']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("model 'nope.gguf': no such file");
  });
});

describe('vigil models, --help, --version', () => {
  it('lists the .gguf files in VIGIL_MODELS_DIR', async () => {
    const { code, stdout } = await vigil(['models', 'list'], {
      env: { VIGIL_MODELS_DIR: FIXTURE_MODELS_DIR },
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/MB {2}tiny-guard\.gguf\n/);
    const none = await vigil(['models', 'list'], { env: { VIGIL_MODELS_DIR: emptyModels } });
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toContain('No models in');
    // No GPU on the test machines: 'auto' falls back to the CPU and says so.
    expect(none.stderr).toContain('Backend: cpu (no usable GPU found)');
  });

  it('fails fast and clearly when a model cannot be downloaded', async () => {
    const { code, stderr } = await vigil(['models', 'pull', 'generator'], {
      env: { VIGIL_MODELS_DIR: emptyModels, HF_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      "model 'hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf'",
    );
    expect(stderr).toContain('--model /path/to/model.gguf');
    expect((await vigil(['models', 'pull', 'mistral'])).stderr).toContain(
      "expected guard, generator, an hf: URI or a URL, received 'mistral'",
    );
  });

  it('has --help with examples on every command, and --version', async () => {
    for (const args of [['--help'], ['classify', '--help'], ['audit', '--help'], ['models', '--help']]) {
      const { code, stdout } = await vigil(args);
      expect(code).toBe(0);
      expect(stdout).toContain('Examples:');
    }
    expect((await vigil(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await vigil([])).code).toBe(2);
  });
});
