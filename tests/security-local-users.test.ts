// Issue 24 item 1: another local user cannot make Vigil delete files, nor stop it from starting,
// through the state cache's directories. Run as root (CI), so that children can be two real
// unprivileged users: `nobody` plants links and leftovers, with the names of the layout before
// issue 24 and of today's, in a shared sticky directory (as /dev/shm is), pointing at a directory
// `daemon` owns; then `daemon` starts a state cache there (bundled with esbuild, so it needs only
// to read one file). The target survives, the cache starts, its files go to a directory only
// `daemon` can use, and `nobody`'s entries stay. XDG_RUNTIME_DIR is used when it is `daemon`'s
// own private directory, and not when it is hostile.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = process.getuid?.() === 0;
const nobody = { uid: 65534, gid: 65534 };
const daemon = { uid: 1, gid: 1 };
/** Pids no process has (above Linux's largest pid_max): "dead processes". */
const deadPids = [4_194_400, 4_194_401, 4_194_402];
const stateCache = fileURLToPath(
  new URL('../packages/guard-core/src/engine/local/state-cache.ts', import.meta.url),
);

/** Starts a state cache (the base from argv, else the default), writes a file, reports, disposes. */
const driverSource = `
import { lstatSync, realpathSync, writeFileSync } from 'node:fs';
import { StateCache } from ${JSON.stringify(stateCache)};
const warnings = [];
process.on('warning', (warning) => warnings.push(warning.message));
const base = process.argv[2] || undefined;
try {
  const cache = new StateCache({ maxBytes: 1e6, bytesPerToken: 1, baseDirectory: base });
  writeFileSync(cache.directory + '/1.state', 'x');
  const stats = lstatSync(cache.directory);
  const report = {
    ok: true,
    directory: realpathSync(cache.directory),
    private: stats.isDirectory() && stats.uid === process.getuid() && (stats.mode & 0o077) === 0,
  };
  await new Promise((resolve) => setImmediate(resolve));
  await cache.dispose();
  console.log(JSON.stringify({ ...report, warnings }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error) }));
}
`;

let work = '';
let driver = '';
beforeAll(async () => {
  if (!root) return;
  // /tmp rather than TMPDIR: every user must reach the driver (TMPDIR may sit under root's home).
  work = mkdtempSync(path.join(existsSync('/tmp') ? '/tmp' : os.tmpdir(), 'vigil-local-users-'));
  chmodSync(work, 0o755);
  writeFileSync(path.join(work, 'driver-source.mjs'), driverSource);
  driver = path.join(work, 'driver.mjs');
  await build({
    entryPoints: [path.join(work, 'driver-source.mjs')],
    outfile: driver,
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@vigil/source'],
    logLevel: 'silent',
  });
  chmodSync(driver, 0o644);
});
afterAll(() => {
  if (!work) return;
  rmSync(work, { recursive: true, force: true });
  // The state directory's parent `daemon` got where XDG_RUNTIME_DIR was refused (empty by now).
  for (const base of ['/dev/shm', os.tmpdir()]) {
    try {
      rmdirSync(path.join(base, `vigil-${daemon.uid}`));
    } catch {}
  }
});

let count = 0;
/** A fresh directory in the work area, owned by `owner`, with `mode`. */
function directoryOf(owner: { uid: number; gid: number }, mode: number) {
  const directory = path.join(work, `d${++count}`);
  mkdirSync(directory);
  chownSync(directory, owner.uid, owner.gid);
  chmodSync(directory, mode);
  return directory;
}

/** `daemon`'s directory with one file: what an attacker wants deleted. */
function victim() {
  const target = directoryOf(daemon, 0o755);
  writeFileSync(path.join(target, 'keep'), 'x');
  chownSync(path.join(target, 'keep'), daemon.uid, daemon.gid);
  return target;
}

function runAs(user: { uid: number; gid: number }, command: string, args: string[], env = {}) {
  const child = spawnSync(command, args, {
    ...user,
    cwd: work,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} as uid ${user.uid}: ${child.stderr}`);
  return child.stdout;
}

/** `nobody` runs a shell script (planting links and leftovers). */
const asNobody = (script: string) => runAs(nobody, '/bin/sh', ['-c', `set -e; ${script}`]);

interface Report {
  ok: boolean;
  error?: string;
  directory?: string;
  private?: boolean;
  warnings?: string[];
}
/** `daemon` starts a state cache in `base` (or the default base) and reports. */
function startAsDaemon(base: string | undefined, env: Record<string, string> = {}): Report {
  return JSON.parse(runAs(daemon, process.execPath, [driver, base ?? ''], env));
}

/** Entries of `directory`, with who owns them and whether they are links (lstat). */
function entries(directory: string) {
  return readdirSync(directory)
    .sort()
    .map((name) => {
      const stats = lstatSync(path.join(directory, name));
      return `${name} ${stats.uid} ${stats.isSymbolicLink() ? 'link' : 'entry'}`;
    });
}

describe.skipIf(!root)(
  root
    ? 'another local user and the state directory'
    : 'another local user (skipped: needs root to run as nobody and daemon)',
  () => {
    it('plants links and leftovers in the shared directory: the target survives, the cache starts privately', () => {
      const shared = directoryOf({ uid: 0, gid: 0 }, 0o1777);
      const target = victim();
      const [first, second, third] = deadPids;
      asNobody(`
        cd ${shared}
        ln -s ${target} vigil-state-${first}-aaaaaa
        mkdir vigil-state-${second}-bbbbbb && echo x > vigil-state-${second}-bbbbbb/1.state
        ln -s ${target} vigil-${daemon.uid}
        ln -s ${target} vigil-${daemon.uid}-${third}-cccccc`);
      const planted = entries(shared);
      const report = startAsDaemon(shared);
      expect(readdirSync(target)).toEqual(['keep']);
      expect(report).toMatchObject({ ok: true, private: true });
      expect(report.directory?.startsWith(`${shared}/`)).toBe(true);
      expect(report.warnings?.join('\n')).toContain(`vigil-${daemon.uid} is not a private directory`);
      expect(entries(shared)).toEqual(planted);
    });

    it('finds vigil-<uid> made by another user and open to all: puts nothing in it', () => {
      const shared = directoryOf({ uid: 0, gid: 0 }, 0o1777);
      asNobody(`mkdir -m 777 ${shared}/vigil-${daemon.uid}`);
      const report = startAsDaemon(shared);
      expect(report).toMatchObject({ ok: true, private: true });
      expect(report.directory?.startsWith(`${shared}/vigil-${daemon.uid}/`)).toBe(false);
      expect(readdirSync(path.join(shared, `vigil-${daemon.uid}`))).toEqual([]);
    });

    it("removes its own dead processes' leftovers, and another user's stay", () => {
      const shared = directoryOf({ uid: 0, gid: 0 }, 0o1777);
      const [first, second] = deadPids;
      const script = (name: string) => `mkdir ${shared}/${name} && echo x > ${shared}/${name}/1.state`;
      asNobody(script(`vigil-state-${first}-nobody`));
      runAs(daemon, '/bin/sh', ['-c', script(`vigil-state-${second}-daemon`)]);
      expect(startAsDaemon(shared)).toMatchObject({ ok: true, private: true });
      expect(entries(shared)).toEqual([
        `vigil-${daemon.uid} ${daemon.uid} entry`,
        `vigil-state-${first}-nobody ${nobody.uid} entry`,
      ]);
    });

    it("uses XDG_RUNTIME_DIR when it is the user's own private directory", () => {
      const runtime = directoryOf(daemon, 0o700);
      const report = startAsDaemon(undefined, { XDG_RUNTIME_DIR: runtime });
      expect(report).toMatchObject({ ok: true, private: true });
      expect(path.dirname(report.directory ?? '')).toBe(path.join(runtime, `vigil-${daemon.uid}`));
    });

    it.each([
      ['owned by another user, open to all', () => directoryOf(nobody, 0o777)],
      ["the user's, but writable by others", () => directoryOf(daemon, 0o777)],
      [
        "a link another user made to the user's directory",
        () => {
          const link = path.join(directoryOf({ uid: 0, gid: 0 }, 0o1777), 'runtime');
          asNobody(`ln -s ${victim()} ${link}`);
          return link;
        },
      ],
    ])('does not use XDG_RUNTIME_DIR %s', (_name, hostile) => {
      const runtime = hostile();
      const before = entries(runtime);
      const report = startAsDaemon(undefined, { XDG_RUNTIME_DIR: runtime });
      expect(report).toMatchObject({ ok: true, private: true });
      expect(report.directory?.startsWith(realpathSync(runtime))).toBe(false);
      expect(entries(runtime)).toEqual(before);
    });
  },
);
