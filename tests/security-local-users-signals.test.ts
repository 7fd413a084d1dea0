// Issue 24 item 19: a process that holds a guard (state cache on, node-llama-cpp loaded with the
// signal-exit listeners its dependencies install) and an open handle ends on SIGTERM, SIGINT and
// SIGHUP as the signal's default action ends it, and leaves no state files; with a handler of its
// own, the application decides when it ends (Vigil never ends it first), and the files are still
// removed at exit. Each child runs tests/support/guard-holder.ts from its file (node-llama-cpp
// cannot load from `node -e`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const holder = fileURLToPath(new URL('./support/guard-holder.ts', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-signals-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const userDirectory = (runtime: string) => path.join(runtime, `vigil-${process.getuid?.() ?? 'user'}`);
/** Longest wait for a child to load, save a state, or end: it is killed (and the test fails) after. */
const patience = 90_000;

/** Every file under `directory` (none when it does not exist). */
function filesUnder(directory: string): string[] {
  try {
    return readdirSync(directory, { recursive: true, withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .map((entry) => path.join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

async function until(condition: () => boolean, what: string) {
  const deadline = Date.now() + patience;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a holder, waits for its verdict and a saved state file, sends `signal`, and waits for the end. */
async function signalHolder(mode: string, signal: NodeJS.Signals) {
  const runtime = mkdtempSync(path.join(root, 'runtime-'));
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@vigil/source', holder, mode], {
    env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, endSignal) => resolve({ code, signal: endSignal })),
  );
  let alive = true;
  void ended.then(() => {
    alive = false;
  });
  try {
    await until(() => stdout.includes('"ready"') || !alive, 'the holder to be ready');
    await until(() => filesUnder(userDirectory(runtime)).length > 0 || !alive, 'a state file');
    const ready = JSON.parse(stdout.split('\n')[0] ?? '{}') as { listeners?: number };
    child.kill(signal);
    await until(() => !alive, `the holder to end on ${signal}`);
    return { ...(await ended), ready, stdout, left: filesUnder(runtime) };
  } finally {
    if (alive) child.kill('SIGKILL');
  }
}

describe('a process holding a guard, stopped by a signal', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'with no handler of its own: ends by %s and leaves no state files',
    async (signal) => {
      const result = await signalHolder('none', signal);
      // Vigil's and signal-exit's listeners (node-llama-cpp's dependencies): the deadlock's shape.
      expect(result.ready.listeners).toBeGreaterThan(1);
      expect({ code: result.code, signal: result.signal, left: result.left }).toEqual({
        code: null,
        signal,
        left: [],
      });
    },
  );

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    'with a draining handler: the application ends it (on %s, exit %i), files removed at exit',
    async (signal, code) => {
      const result = await signalHolder('drain', signal);
      expect({ code: result.code, drained: result.stdout.includes('drained'), left: result.left }).toEqual({
        code,
        drained: true,
        left: [],
      });
    },
  );

  it('with a handler that raises the signal again: ends by it and leaves no state files', async () => {
    const result = await signalHolder('re-raise', 'SIGTERM');
    expect({ code: result.code, signal: result.signal, left: result.left }).toEqual({
      code: null,
      signal: 'SIGTERM',
      left: [],
    });
  });
});
