// Issue 23: every code sample of the guides runs, so none goes stale. Each guide's samples run
// in order, as a user would paste them, in a fresh directory that has Vigil installed
// (node_modules, examples/ and fixtures/ linked; the packages as tsc -b builds them), on the fixture
// models: VIGIL_GUARD_MODEL and VIGIL_GENERATOR_MODEL name the generated GGUFs and
// VIGIL_MODELS_DIR an empty directory (so nothing is downloaded). Samples that need a real
// download or server are type-checked against the packages instead (see
// scripts/docs/code-samples.ts for the fence words). Ports 8000-8099 in a guide's samples are
// replaced by free ports (one per number, the same in every sample).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CodeSample, guideFiles, readSamples } from '../scripts/docs/code-samples.js';
import { FIXTURE_PATHS, REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';
import { buildCliOnce } from './support/vigil-cli.js';

let work = '';
const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');

beforeAll(async () => {
  await buildCliOnce();
  work = mkdtempSync(path.join(tmpdir(), 'vigil-docs-samples-'));
  mkdirSync(path.join(work, 'models'));
}, 300_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function freePort() {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, detached = false) {
  const child = spawn(command, args, { cwd, env, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
  return { child, done, output: () => output };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitReady(url: string, exited: Promise<Run>, at: string) {
  let gone: Run | undefined;
  void exited.then((result) => (gone = result));
  for (let attempt = 0; attempt < 600; attempt++) {
    if (gone)
      throw new Error(`${at}: the command exited (${gone.code}) before ${url} answered:\n${gone.output}`);
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status !== 0 && status !== 503) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${at}: ${url} did not answer (or only 503)`);
}

/** Type-checks samples as modules of a project depending on the packages (their sources). */
function typecheck(files: Map<string, CodeSample>) {
  const base = ts.readConfigFile(path.join(REPO_ROOT, 'tsconfig.base.json'), ts.sys.readFile).config;
  const { options } = ts.convertCompilerOptionsFromJson(base.compilerOptions, REPO_ROOT);
  const program = ts.createProgram([...files.keys()], {
    ...options,
    composite: false,
    declaration: false,
    noEmit: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file && files.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const sample = files.get(diagnostic.file?.fileName ?? '') as CodeSample;
      const { line } = ts.getLineAndCharacterOfPosition(
        diagnostic.file as ts.SourceFile,
        diagnostic.start ?? 0,
      );
      return `${sample.at} (+${line + 1}): ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
}

const guides = guideFiles().map((file) => ({ name: path.basename(file), samples: readSamples(file) }));

it('reads the samples of every user journey, each tagged with how it is tested', () => {
  const journeys = ['classify', 'middleware', 'audit', 'serve', 'eval', 'guarded-chat', 'browser'];
  const tested = guides.filter(({ samples }) => samples.some((sample) => sample.kind !== 'file'));
  expect(journeys.filter((journey) => !tested.some(({ name }) => name === `${journey}.md`))).toEqual([]);
  expect(guides.flatMap(({ samples }) => samples).length).toBeGreaterThan(25);
});

it('refuses a TypeScript or shell sample that does not say how it is tested', () => {
  const file = path.join(work, 'untagged.md');
  writeFileSync(file, '# Page\n\n```json\n{}\n```\n\n```ts\nconsole.log(1);\n```\n');
  expect(() => readSamples(file)).toThrow(/untagged\.md:7: a ts sample must say how it is tested/);
});

describe.each(guides.filter(({ samples }) => samples.length > 0))('$name', ({ name, samples }) => {
  it('runs every sample on the fixture models', { timeout: 900_000 }, async () => {
    const dir = path.join(work, name.replace(/\.md$/, ''));
    mkdirSync(dir);
    for (const linked of ['node_modules', 'examples', 'fixtures']) {
      symlinkSync(path.join(REPO_ROOT, linked), path.join(dir, linked));
    }
    const ports = new Map<string, number>();
    for (const sample of samples) {
      for (const [number] of `${sample.code} ${sample.ready ?? ''}`.matchAll(/\b80\d\d\b/g)) {
        if (!ports.has(number)) ports.set(number, await freePort());
      }
    }
    const withPorts = (text: string) => text.replace(/\b80\d\d\b/g, (number) => String(ports.get(number)));
    const env = {
      ...process.env,
      NO_COLOR: '1',
      VIGIL_GUARD_MODEL: FIXTURE_PATHS.tinyGuard,
      VIGIL_GENERATOR_MODEL: FIXTURE_PATHS.tinyGenerator,
      VIGIL_MODELS_DIR: path.join(work, 'models'),
      PATH: `${path.join(REPO_ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}`,
    };
    const backgrounds: { child: ChildProcess; done: Promise<Run> }[] = [];
    const checked = new Map<string, CodeSample>();
    try {
      for (const [index, sample] of samples.entries()) {
        const code = withPorts(sample.code);
        if (sample.kind === 'file') {
          writeFileSync(path.join(dir, sample.file as string), code);
        } else if (sample.kind === 'typecheck') {
          const source = path.join(dir, `typecheck-${index}.mts`);
          writeFileSync(source, `${code}\nexport {};\n`);
          checked.set(source, sample);
        } else if (sample.kind === 'background') {
          const started = run('bash', ['-c', code], dir, env, true);
          backgrounds.push(started);
          await waitReady(withPorts(sample.ready as string), started.done, sample.at);
        } else if (sample.lang === 'ts' || sample.lang === 'typescript' || sample.lang === 'js') {
          const variants = [code];
          if (sample.swap)
            variants.push(code.replaceAll(`from '${sample.swap.from}'`, `from '${sample.swap.to}'`));
          for (const [variant, source] of variants.entries()) {
            const file = path.join(dir, `sample-${index}-${variant}.mts`);
            writeFileSync(file, source);
            const result = await run(tsx, [file], dir, env).done;
            expect(
              result.code,
              `${sample.at} (${variant ? sample.swap?.to : 'as written'}):\n${result.output}`,
            ).toBe(0);
          }
        } else {
          const result = await run('bash', ['-euo', 'pipefail', '-c', code], dir, env).done;
          expect(result.code, `${sample.at}:\n${result.output}`).toBe(sample.exit);
        }
      }
      expect(typecheck(checked)).toEqual([]);
    } finally {
      // Each background command runs in its own process group: stop the group, then wait.
      for (const { child, done } of backgrounds) {
        signalGroup(child, 'SIGTERM');
        const stopped = await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 20_000))]);
        if (!stopped) signalGroup(child, 'SIGKILL');
      }
    }
  });
});
