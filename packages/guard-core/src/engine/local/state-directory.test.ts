import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const base = mkdtempSync(path.join(os.tmpdir(), 'vigil-state-exit-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const module = fileURLToPath(new URL('./state-directory.ts', import.meta.url));

/** Runs a child that makes a state directory with a file in it, then ends as `ending` says. */
function runChild(ending: string) {
  const code = `
    import { writeFileSync } from 'node:fs';
    import { StateDirectory } from ${JSON.stringify(module)};
    const directory = new StateDirectory(${JSON.stringify(base)});
    writeFileSync(directory.path + '/1.state', 'x');
    process.stdout.write(directory.path);
    ${ending}`;
  try {
    return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: 'pipe',
    }).toString();
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout);
  }
}

describe('StateDirectory', () => {
  it.each([
    ['a normal exit', 'process.exit(0);'],
    ['an uncaught error', 'throw new Error("boom");'],
    ['SIGTERM with no handler of the application', 'process.kill(process.pid, "SIGTERM");'],
  ])('leaves no files after %s', (_name, ending) => {
    const made = runChild(ending);
    expect(made.startsWith(path.join(base, 'vigil-state-'))).toBe(true);
    expect(readdirSync(base)).toEqual([]);
  });

  it('is removed by dispose()', async () => {
    const { StateDirectory } = await import('./state-directory.js');
    const directory = new StateDirectory(base);
    expect(existsSync(directory.path)).toBe(true);
    await directory.dispose();
    expect(existsSync(directory.path)).toBe(false);
  });
});
