// What the CLI end-to-end tests share: building the `vigil` binary, running it as a user would,
// and what auditing examples/transcripts with the fixture guard gives (the local and the remote
// engine must both give exactly this).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureTinyFixtures } from '../../scripts/fixtures/ensure-fixtures.js';
import { REPO_ROOT } from '../../scripts/fixtures/fixture-facts.js';

const bin = path.join(REPO_ROOT, 'packages/cli/bin/vigil.js');
/** `vigil` as bin/vigil.js runs it, with guard-core's scripted engine instead of a model (fast). */
const scriptedBin = path.join(REPO_ROOT, 'tests/support/vigil-scripted.js');

/** The sample transcripts (every input format), relative to the repository root. */
export const EXAMPLES = 'examples/transcripts';

/** The summary of auditing {@link EXAMPLES} with the fixture guard (one turn per conversation). */
export const EXAMPLES_SUMMARY = {
  files: 6,
  conversations: 21,
  turnsChecked: 21,
  flagged: 8,
  byCategory: { S9: 4, S1: 2, S10: 2 },
  errors: 4,
  interrupted: false,
};

/** The flagged results of that audit, as {@link flagged} formats them. */
export const EXAMPLES_FLAGGED = [
  'bare.jsonl:2 S10',
  'chat.jsonl:2 S9',
  'chat.jsonl:4 S9',
  'chats.json:12 S1',
  'malformed.jsonl:6 S9',
  'prompts.txt:2 S1',
  'prompts.txt:5 S10',
  'sharegpt.json:10 S9',
];

/** The flagged results as `file:line codes` (file by base name), sorted. */
export function flagged(results: { file: string; line: number; safe: boolean; categories: string[] }[]) {
  return results
    .filter((result) => !result.safe)
    .map((result) => `${path.basename(result.file)}:${result.line} ${result.categories.join(',')}`)
    .sort();
}

/** The files the tests need after the build. */
const builtFiles = ['packages/cli/dist/shell/run-process.js', 'packages/guard-core/dist/testing/index.js'];
let built: Promise<void> | undefined;

/** Makes the fixture models and builds the packages (`npx tsc -b`) once per test file's module graph. */
export function buildCliOnce() {
  built ??= (async () => {
    await ensureTinyFixtures();
    spawnSync('npx', ['tsc', '-b'], { cwd: REPO_ROOT, stdio: 'ignore' });
    for (const file of builtFiles) {
      if (!existsSync(path.join(REPO_ROOT, file))) {
        throw new Error(`npx tsc -b did not build ${file}`);
      }
    }
  })();
  return built;
}

export interface VigilRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface VigilRunOptions {
  /** Written to stdin, which is then closed. Defaults to nothing. */
  input?: string;
  /** Added to (or overriding) this process's environment; `NO_COLOR=1` is always set. */
  env?: Record<string, string>;
  /** Sees the child once spawned, e.g. to watch stdout or send it a signal. */
  onSpawn?: (child: ChildProcess) => void;
  /**
   * Run with guard-core's scripted engine (` bomb` S9, ` kill` S1, ` hate` S10) instead of a
   * model, each check taking `delayMs`: the same CLI, process handling and exit codes, in
   * milliseconds. Defaults to the real `vigil` (a model).
   */
  scripted?: { delayMs?: number; loadMs?: number } | undefined;
  /** The child's stdout: a pipe (collected), or a file descriptor such as `/dev/full`'s. Defaults to a pipe. */
  stdout?: number | undefined;
}

/** Runs the built `vigil` from the repository root and collects its exit code and output. */
export function runVigil(args: string[], options: VigilRunOptions = {}) {
  return new Promise<VigilRun>((resolve, reject) => {
    const scripted = options.scripted
      ? {
          VIGIL_TEST_SCRIPTED_DELAY_MS: String(options.scripted.delayMs ?? 0),
          VIGIL_TEST_SCRIPTED_LOAD_MS: String(options.scripted.loadMs ?? 0),
        }
      : {};
    const child = spawn(process.execPath, [options.scripted ? scriptedBin : bin, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...scripted, ...options.env },
      stdio: ['pipe', options.stdout ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin?.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}
