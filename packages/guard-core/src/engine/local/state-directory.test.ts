import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { StateDirectory, stateBaseDirectory } from './state-directory.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-state-directory-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const module = fileURLToPath(new URL('./state-directory.ts', import.meta.url));
const userName = `vigil-${process.getuid?.() ?? 'user'}`;
/** A pid no process has (above Linux's largest pid_max). */
const deadPid = 4_194_400;
let base = '';
let count = 0;
beforeEach(() => {
  base = path.join(root, String(++count));
  mkdirSync(base, { mode: 0o700 });
});

/** A directory with one file, standing for something the user must not lose. */
function precious() {
  const target = path.join(root, `precious-${++count}`);
  mkdirSync(target);
  writeFileSync(path.join(target, 'keep'), 'x');
  return target;
}

/** Runs a child that makes a state directory with a file in it, then ends as `ending` says. */
function runChild(ending: string, before = '') {
  const code = `
    import { writeFileSync } from 'node:fs';
    import { StateDirectory } from ${JSON.stringify(module)};
    ${before}
    const directory = new StateDirectory(${JSON.stringify(base)});
    writeFileSync(directory.path + '/1.state', 'x');
    process.stdout.write(directory.path + '\\n');
    ${ending}`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return {
    made: child.stdout.split('\n')[0] ?? '',
    stdout: child.stdout,
    signal: child.signal,
    status: child.status,
  };
}

describe('StateDirectory', () => {
  it.each([
    ['a normal exit', 'process.exit(0);'],
    ['an uncaught error', 'throw new Error("boom");'],
  ])('leaves no files after %s', (_name, ending) => {
    const { made } = runChild(ending);
    expect(path.dirname(made)).toBe(path.join(base, userName));
    expect(readdirSync(path.join(base, userName))).toEqual([]);
  });

  it('ends the process by SIGTERM when the only other listener steps aside (signal-exit, issue 24 item 19)', () => {
    // signal-exit's way: count ourselves in a global, act only when no one else listens.
    const stepAside = `
      process.__signal_exit_emitter__ = { count: 1 };
      process.on('SIGTERM', function stepAside() {
        if (process.listeners('SIGTERM').length > 1) return;
        process.off('SIGTERM', stepAside);
        process.kill(process.pid, 'SIGTERM');
      });
      setInterval(() => {}, 1000);`;
    const { made, signal } = runChild('process.kill(process.pid, "SIGTERM");', stepAside);
    expect(signal).toBe('SIGTERM');
    expect(existsSync(made)).toBe(false);
  });

  it('ends the process by SIGTERM with two copies of Vigil loaded (duplicate installs)', () => {
    const copy = `
      const { StateDirectory: Copy } = await import(${JSON.stringify(`${pathToFileURL(module).href}?copy`)});
      const other = new Copy(${JSON.stringify(base)});
      setInterval(() => {}, 1000);`;
    const { made, signal } = runChild('process.kill(process.pid, "SIGTERM");', copy);
    expect(signal).toBe('SIGTERM');
    expect(readdirSync(path.dirname(made))).toEqual([]);
  });

  it("leaves the ending to the application's own handler, and is removed at exit", () => {
    const ending = `
      process.once('SIGTERM', () => setTimeout(() => { console.log('drained'); process.exit(143); }, 200));
      setInterval(() => {}, 1000);
      process.kill(process.pid, 'SIGTERM');`;
    const { made, stdout, status } = runChild(ending);
    expect({ status, drained: stdout.includes('drained') }).toEqual({ status: 143, drained: true });
    expect(existsSync(made)).toBe(false);
  });

  it('is made in a 0700 directory of the user and removed by dispose()', async () => {
    const directory = new StateDirectory(base);
    expect(path.dirname(directory.path)).toBe(path.join(base, userName));
    expect(os.platform() === 'win32' || (lstatSync(path.join(base, userName)).mode & 0o777) === 0o700).toBe(
      true,
    );
    await directory.dispose();
    expect(existsSync(directory.path)).toBe(false);
  });

  it("removes dead processes' leftovers without following links", async () => {
    const target = precious();
    const parent = path.join(base, userName);
    mkdirSync(parent, { mode: 0o700 });
    const leftover = path.join(parent, `${deadPid}-abc`);
    mkdirSync(leftover);
    writeFileSync(path.join(leftover, '1.state'), 'x');
    symlinkSync(target, path.join(leftover, 'link'));
    symlinkSync(target, path.join(parent, `${deadPid}-link`));
    symlinkSync(target, path.join(base, `vigil-state-${deadPid}-old`));
    const directory = new StateDirectory(base);
    expect(readdirSync(parent)).toEqual([path.basename(directory.path)]);
    expect(readdirSync(base)).toEqual([userName]);
    expect(readdirSync(target)).toEqual(['keep']);
    await directory.dispose();
  });

  it.each([
    ['a link', (parent: string) => symlinkSync(precious(), parent)],
    ['open to others', (parent: string) => mkdirSync(parent, { mode: 0o755 })],
  ])('uses a fresh private directory when vigil-<uid> is %s', async (_name, plant) => {
    const parent = path.join(base, userName);
    plant(parent);
    chmodSync(base, 0o700);
    const directory = new StateDirectory(base);
    expect(path.basename(directory.path).startsWith(`${userName}-${process.pid}-`)).toBe(true);
    await directory.dispose();
    expect(readdirSync(base)).toEqual([userName]);
  });
});

describe('stateBaseDirectory', () => {
  it.skipIf(os.platform() === 'win32')(
    'takes XDG_RUNTIME_DIR only when it is a private directory of the user',
    () => {
      const runtime = path.join(root, 'runtime');
      mkdirSync(runtime, { mode: 0o700 });
      expect(stateBaseDirectory({ XDG_RUNTIME_DIR: runtime })).toBe(runtime);
      const fallback = stateBaseDirectory({});
      expect(fallback).not.toBe(runtime);
      const link = path.join(root, 'runtime-link');
      symlinkSync(runtime, link);
      expect(stateBaseDirectory({ XDG_RUNTIME_DIR: link })).toBe(fallback);
      expect(stateBaseDirectory({ XDG_RUNTIME_DIR: 'relative/runtime' })).toBe(fallback);
      chmodSync(runtime, 0o777);
      expect(stateBaseDirectory({ XDG_RUNTIME_DIR: runtime })).toBe(fallback);
    },
  );
});
