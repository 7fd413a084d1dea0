import path from 'node:path';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../context/cli-context.js';
import { runCli } from './main.js';
import { abandonedWork } from './signals.js';

const examples = path.resolve(import.meta.dirname, '../../../../examples/transcripts');

function capture() {
  const out = { stdout: '', stderr: '' };
  const context: CliContext = {
    stdout: { write: (chunk: string) => (out.stdout += chunk) },
    stderr: { write: (chunk: string) => (out.stderr += chunk) },
    stdin: (async function* () {})(),
    env: {},
    // Each classification takes a while: the run is still going when the signals come.
    engine: createScriptedEngine({ delayMs: 400 }),
  };
  return { out, context };
}

async function listening(name: NodeJS.Signals) {
  while (process.listenerCount(name) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('runCli and the stop signals', () => {
  it('stops an audit on the first SIGINT and writes the partial report (130)', async () => {
    const { out, context } = capture();
    const running = runCli(['audit', examples, '--format', 'json', '--no-progress'], context);
    await listening('SIGINT');
    process.emit('SIGINT');
    expect(await running).toBe(130);
    expect(JSON.parse(out.stdout).summary.interrupted).toBe(true);
    expect(out.stderr).toContain('SIGINT: stopping; writing the partial report');
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('quits at once on a second SIGINT: returns 130 without the report, the run left to the process exit', async () => {
    const { out, context } = capture();
    const running = runCli(['audit', examples, '--format', 'json', '--no-progress'], context);
    await listening('SIGINT');
    process.emit('SIGINT');
    process.emit('SIGINT');
    expect(await running).toBe(130);
    // Returned before the run finished its partial report: run-process exits the process now.
    expect(out.stdout).not.toContain('"summary"');
    expect(abandonedWork()).toBe(true);
  });
});
