// `npm run bench:cold-start` (or `npm run bench -- --only cold-start`): process start to first
// verdict on the 1B-shaped fixture, for `vigil classify` and for the library, with the load path
// piece by piece. Variants run interleaved (A B A B, each round starting one later) in fresh processes; compare them by the
// median of paired ratios, which holds on a busy machine where absolute times do not. The file is
// in the page cache (a restart, a second replica), unless --cold evicts it before every run.
// Prints one JSON document.
//   --runs N         rounds of the interleaved variants (default 3)
//   --before DIR     a checkout of an older commit (with node_modules and dist): its CLI and library
//                    run as the "before" variants
//   --cold           evict the file from the page cache before each run (python3's posix_fadvise)
//   --model PATH     another GGUF than the 1B-shaped fixture (a quick check on a tiny fixture)
//   --variants A,B   run only these (cli_now, library_mmap, library_read, llama_server)
//   --skip-pieces    skip the load path's pieces (runtime, file read, vocabulary, load, context)
// LLAMA_SERVER=/path/to/llama-server (or LLAMA_SERVER_BIN, as the tests name it) adds that binary on
// the same model as one more interleaved variant: spawn to ready (/health), then to the end of one
// chat completion; the paired ratios compare Vigil's CLI and library with it (issue 25's target:
// at most 1.5).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureGuardShapedModel } from '../fixtures/ensure-fixtures.js';
import { timeLlamaServer } from './llama-server.js';
import { medianRatio, startChild } from './processes.js';
import { percentile, round } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    before: { type: 'string' },
    cold: { type: 'boolean', default: false },
    only: { type: 'string' },
    variants: { type: 'string' },
    model: { type: 'string' },
    'skip-pieces': { type: 'boolean', default: false },
  },
  // `npm run bench -- --only cold-start` passes the guard benchmark's flags too.
  strict: false,
});
const here = resolve(import.meta.dirname, '../..');
const child = resolve(import.meta.dirname, 'guard-child.ts');
const log = (line: string) => process.stderr.write(`${line}\n`);
const modelPath =
  typeof flags.model === 'string'
    ? resolve(flags.model)
    : (await ensureGuardShapedModel({ quant: 'q8_0', log })).path;

const evict = () => {
  if (!flags.cold) return;
  execFileSync('python3', [
    '-c',
    'import os,sys; f=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(f, 0, 0, os.POSIX_FADV_DONTNEED)',
    modelPath,
  ]);
};

/** `vigil classify hello` of a checkout: wall time from spawn to exit. */
async function cli(root: string) {
  evict();
  const started = performance.now();
  const run = startChild(`${root}/packages/cli/bin/vigil.js`, [
    'classify',
    'hello',
    '--model',
    modelPath,
    '--no-verify-model',
  ]);
  const { code, stderr } = await run.exited;
  if (code !== 0 && code !== 1) throw new Error(`vigil classify exited ${code}: ${stderr}`);
  return { total_ms: Math.round(performance.now() - started) };
}

/**
 * The library in a fresh process: each step's wall time since that process started, and the CPU
 * time it used (its own and its exited children's: node-llama-cpp's test of its binary).
 */
async function library(root: string, mmap?: 'on' | 'off') {
  evict();
  const run = startChild(child, ['--root', root, '--model', modelPath, ...(mmap ? ['--mmap', mmap] : [])]);
  const steps: Record<string, { at_ms: number; cpu_ms: number; anon_mb: number }> = {};
  for (const name of ['imported', 'runtime', 'guard', 'probe', 'verdict', 'second_verdict']) {
    steps[name] = (await run.next(name)) as (typeof steps)[string];
  }
  await run.exited;
  /** Each piece: the step that ends it and the one before; wall and CPU milliseconds. */
  const piecesOf = {
    runtime: ['runtime', 'imported'],
    model_and_context: ['guard', 'runtime'],
    probe: ['probe', 'guard'],
    first_verdict: ['verdict', 'probe'],
    second_verdict: ['second_verdict', 'verdict'],
  } as const;
  const sample: Record<string, number | undefined> = {
    import_ms: steps.imported?.at_ms,
    import_cpu_ms: steps.imported?.cpu_ms,
    start_to_first_verdict_ms: steps.verdict?.at_ms,
    start_to_first_verdict_cpu_ms: steps.verdict?.cpu_ms,
    anon_after_runtime_mb: steps.runtime?.anon_mb,
    anon_after_load_mb: steps.guard?.anon_mb,
    anon_after_verdicts_mb: steps.second_verdict?.anon_mb,
  };
  for (const [piece, [end, start]] of Object.entries(piecesOf)) {
    sample[`${piece}_ms`] = (steps[end]?.at_ms ?? 0) - (steps[start]?.at_ms ?? 0);
    sample[`${piece}_cpu_ms`] = (steps[end]?.cpu_ms ?? 0) - (steps[start]?.cpu_ms ?? 0);
  }
  return sample;
}

async function pieces() {
  evict();
  const run = startChild(child, ['--mode', 'pieces', '--model', modelPath]);
  const result = {
    runtime: await run.next('runtime'),
    file_read: await run.next('file_read'),
    read_metadata: await run.next('read_metadata'),
    load_vocabulary: await run.next('load_vocabulary').catch(() => undefined),
    load_mmap: await run.next('load_mmap'),
    load_read: await run.next('load_read'),
  };
  await run.exited;
  return result;
}

type Sample = Record<string, number | undefined>;
const allVariants: Record<string, () => Promise<Sample>> = {
  cli_now: () => cli(here),
  library_mmap: () => library(here, 'on'),
  library_read: () => library(here, 'off'),
};
const llamaServerBinary = process.env.LLAMA_SERVER || process.env.LLAMA_SERVER_BIN;
if (llamaServerBinary) allVariants.llama_server = () => timeLlamaServer(llamaServerBinary, modelPath);
const chosen = typeof flags.variants === 'string' ? flags.variants.split(',') : Object.keys(allVariants);
const variants = Object.fromEntries(Object.entries(allVariants).filter(([name]) => chosen.includes(name)));
if (typeof flags.before === 'string') {
  const before = resolve(flags.before);
  variants.cli_before = () => cli(before);
  variants.library_before = () => library(before);
}
const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
const machine = () => ({
  cpu_model: os.cpus()[0]?.model,
  cpus: os.availableParallelism(),
  node: process.version,
  load_average: os.loadavg().map((load) => round(load, 2)),
});
const machineBefore = machine();
const entries = Object.entries(variants);
for (let round_ = 0; round_ < Number(flags.runs); round_++) {
  // Each round starts one variant later, so that a load that drifts during the run favours none.
  const order = entries.map(
    (_, index) => entries[(index + round_) % entries.length] as (typeof entries)[number],
  );
  for (const [name, run] of order) {
    log(`round ${round_ + 1}: ${name}`);
    samples[name]?.push(await run());
  }
}
const medians = (name: string) => {
  const runs = samples[name] ?? [];
  const keys = Object.keys(runs[0] ?? {});
  return Object.fromEntries(
    keys.map((key) => [
      key,
      percentile(
        runs.map((run) => run[key] ?? 0),
        50,
      ),
    ]),
  );
};
const series = (name: string, key: string) => (samples[name] ?? []).map((run) => run[key] ?? Number.NaN);
const ratios: Record<string, number> = {};
const pair = (name: string, a: string, b: string, key: string) => {
  if (samples[a] && samples[b]) ratios[name] = round(medianRatio(series(a, key), series(b, key)));
};
pair('library_mmap_vs_read', 'library_mmap', 'library_read', 'start_to_first_verdict_ms');
// Issue 25's target: Vigil's start to first verdict over llama-server's ready plus one classification.
pair('cli_vs_llama_server', 'cli_now', 'llama_server', 'total_ms');
if (samples.library_mmap && samples.llama_server) {
  ratios.library_vs_llama_server = round(
    medianRatio(series('library_mmap', 'start_to_first_verdict_ms'), series('llama_server', 'total_ms')),
  );
}
if (flags.before) {
  ratios.cli_now_vs_before = round(
    medianRatio(series('cli_now', 'total_ms'), series('cli_before', 'total_ms')),
  );
  ratios.library_now_vs_before = round(
    medianRatio(
      series('library_mmap', 'start_to_first_verdict_ms'),
      series('library_before', 'start_to_first_verdict_ms'),
    ),
  );
  ratios.probe_now_vs_before = round(
    medianRatio(series('library_mmap', 'probe_ms'), series('library_before', 'probe_ms')),
  );
}
const result = {
  model: { file: modelPath, page_cache: flags.cold ? 'evicted before each run' : 'warm' },
  machine_before: machineBefore,
  median_ms: Object.fromEntries(Object.keys(variants).map((name) => [name, medians(name)])),
  paired_ratios: ratios,
  pieces: flags['skip-pieces'] ? undefined : await pieces(),
  runs: samples,
  machine_after: machine(),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
