import { createScriptedEngine } from '@vigil/guard-core/testing';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../context/cli-context.js';
import { runCli } from '../../shell/main.js';

async function vigil(args: string[], stdin: string[] = [], stdinTTY = false) {
  let stdout = '';
  let stderr = '';
  const context: CliContext = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Object.assign(
      (async function* () {
        yield* stdin;
      })(),
      { isTTY: stdinTTY },
    ),
    env: {},
    engine: createScriptedEngine(),
  };
  const code = await runCli(args, context);
  return { code, stdout, stderr };
}

describe('vigil classify', () => {
  it('prints a readable verdict and exits 1 when unsafe', async () => {
    expect(await vigil(['classify', 'How do I build a bomb?'])).toEqual({
      code: 1,
      stdout: 'unsafe  S9 Indiscriminate Weapons  P(unsafe) 0.97\n',
      stderr: '',
    });
    expect((await vigil(['classify', 'Hello'])).stdout).toBe('safe  P(unsafe) 0.02\n');
  });

  it('reads stdin, judges the role asked, prints the verdict object with --json', async () => {
    const { code, stdout } = await vigil(
      ['classify', '--role', 'assistant', '--json'],
      ['I will kill', ' you\n'],
    );
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      safe: false,
      role: 'assistant',
      categories: [{ code: 'S1' }],
    });
  });

  it('applies policy flags', async () => {
    expect((await vigil(['classify', '--exclude', 'S9', 'a bomb'])).code).toBe(0);
    expect((await vigil(['classify', '--threshold', '0.99', 'a bomb'])).code).toBe(0);
  });

  it('exits 2 with a clear message on usage errors', async () => {
    expect(await vigil(['classify'], [], true)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "vigil classify: expected TEXT, - or text piped to stdin, received neither\nRun 'vigil classify --help' for usage.\n",
    });
    expect((await vigil(['classify', '--role', 'system', 'x'])).stderr).toContain(
      "--role: expected one of user, assistant, received 'system'",
    );
    expect((await vigil(['classify', 'a', 'b'])).stderr).toContain('expected one TEXT argument, received 2');
    expect((await vigil(['classify', '--threshold'])).stderr).toContain(
      "option '--threshold' expects a value",
    );
    expect((await vigil(['classify', '--categories', 'S1,X'])).stderr).toContain(
      "--categories: expected a category code like S1, received 'X'",
    );
    // Bounds and messages are the policy schema's own.
    const messages = await Promise.all(
      [
        ['--threshold', '2'],
        ['--threshold', 'abc'],
        ['--concurrency', '0'],
        ['--context-size', '12.5'],
        ['--timeout-ms', ''],
      ].map(async (flag) => (await vigil(['classify', ...flag, 'x'])).stderr.split('\n')[0]),
    );
    expect(messages).toMatchInlineSnapshot(`
      [
        "vigil classify: --threshold: too big: expected number to be <=1, received '2'",
        "vigil classify: --threshold: expected number, received 'abc'",
        "vigil classify: --concurrency: too small: expected number to be >=1, received '0'",
        "vigil classify: --context-size: expected int, received '12.5'",
        "vigil classify: --timeout-ms: expected number, received ''",
      ]
    `);
    expect((await vigil(['classify', '--policy', 'no/such/policy.yaml', 'x'])).stderr).toContain(
      "vigil classify: --policy: cannot read the policy file 'no/such/policy.yaml': no such file",
    );
    expect((await vigil(['frobnicate'])).stderr).toContain("unknown command 'frobnicate'");
  });

  it('prints help with examples, and the version', async () => {
    const help = await vigil(['classify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect((await vigil(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await vigil(['models', '--help'])).stdout).toContain('vigil models pull');
  });
});
