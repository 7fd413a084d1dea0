// `npm run bench -- --engine transformers`: the Transformers.js engine against the local engine
// on the same random-weight model with Llama Guard 3 1B's exact shapes, on the same machine, in
// one run: load time, per-check latency and RSS, and their ratios. Each engine runs in a child
// process of its own, so RSS is each engine's alone. The ONNX twin of the shaped Q8_0 GGUF (8-bit
// MatMulNBits, lossless; fp16 embedding) is built once into fixtures/models/onnx/ (minutes).
//   --quick   fewer repetitions
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGuard, createLocalEngine, type GuardEngine } from '@vigil/guard-core';
import { processMemory } from '../../packages/guard-core/src/engine/local/process-memory.js';
import { ensureGuardShapedModel } from '../fixtures/ensure-fixtures.js';
import { isFresh, sourceHash, writeStamp } from '../fixtures/fixture-stamp.js';
import { ONNX_TWINS_DIR } from '../fixtures/onnx-fixtures.js';
import { percentile, round, textOfTokens } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    engine: { type: 'string' },
    child: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
  strict: false,
});
const reps = flags.quick ? 2 : 4;
const log = (line: string) => process.stderr.write(`${line}\n`);
const twinDirectory = join(ONNX_TWINS_DIR, 'shaped-guard-1b-q8_0');
const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The shaped GGUF, and its ONNX twin (rebuilt when the GGUF or the writer changes). */
async function ensureModels() {
  const { path } = await ensureGuardShapedModel({ quant: 'q8_0', log });
  const twinFile = join(twinDirectory, 'onnx', 'model.onnx');
  const hash = sourceHash(
    [
      '../fixtures/onnx-protobuf.ts',
      '../fixtures/onnx-llama-graph.ts',
      '../fixtures/onnx-twin.ts',
      './bench-transformers.ts',
    ]
      .map(source)
      .concat(`${path}.stamp.json`),
  );
  if (!isFresh(twinFile, hash)) {
    log('writing the ONNX twin of the shaped model (8-bit MatMulNBits; minutes)');
    const started = performance.now();
    const { writeOnnxTwin } = await import('../fixtures/onnx-twin.js');
    await writeOnnxTwin(path, twinDirectory, { numLogitsToKeep: true, quantized: true, maxPositions: 4096 });
    writeStamp(twinFile, hash);
    log(`written in ${round((performance.now() - started) / 1000, 1)} s`);
  }
  return { gguf: path, twin: twinDirectory };
}

const cases = [
  { name: 'user_short_20', text: (index: number) => textOfTokens(20, 100 + index) },
  { name: 'user_medium_120', text: (index: number) => textOfTokens(120, 200 + index) },
];

/** In a child process: load one engine, time checks, report RSS. Prints one JSON line. */
async function measure(kind: 'local' | 'transformers', model: string) {
  const started = performance.now();
  let engine: GuardEngine;
  if (kind === 'local') {
    engine = await createLocalEngine({ model, contextSize: 1024, concurrency: 1 });
  } else {
    const { env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    const { createTransformersEngine } = await import('@vigil/engine-transformers');
    engine = await createTransformersEngine({ model, device: 'cpu' });
  }
  // Threshold 1: the verdict's cost (one forward step), as `npm run bench` measures it.
  const guard = await createGuard({ engine, threshold: 1, verdictCacheSize: 0, verifyModel: false });
  const loadMs = performance.now() - started;
  const result: Record<string, unknown> = { load_ms: round(loadMs, 0) };
  for (const testCase of cases) {
    await guard.classify(testCase.text(-1)); // the policy prefix goes into the cache
    const latencies: number[] = [];
    let promptTokens = 0;
    for (let index = 0; index < reps; index++) {
      const verdict = await guard.classify(testCase.text(index));
      latencies.push(verdict.durationMs);
      promptTokens = verdict.usage.promptTokens;
    }
    result[testCase.name] = {
      p50_ms: round(percentile(latencies, 50), 1),
      max_ms: round(Math.max(...latencies), 1),
      prompt_tokens: promptTokens,
    };
  }
  const memory = processMemory();
  result.rss_mb = round(memory.rss / 2 ** 20, 0);
  result.peak_rss_mb = round((memory.peakRss ?? memory.rss) / 2 ** 20, 0);
  await guard.dispose();
  await engine.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(kind: 'local' | 'transformers', model: string) {
  log(`${kind}: loading and measuring`);
  const child = spawnSync(
    'npx',
    [
      'tsx',
      '--conditions=@vigil/source',
      fileURLToPath(import.meta.url),
      '--child',
      kind,
      '--model',
      model,
    ].concat(flags.quick ? ['--quick'] : []),
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{'))
    throw new Error(`${kind}: the measuring process failed (${child.status})`);
  return JSON.parse(line) as Record<string, { p50_ms: number } & number>;
}

if (flags.child === 'local' || flags.child === 'transformers') {
  const { values } = parseArgs({ options: { model: { type: 'string' } }, strict: false });
  await measure(flags.child, String(values.model));
} else {
  const models = await ensureModels();
  const local = runChild('local', models.gguf);
  const transformers = runChild('transformers', models.twin);
  const ratio = (key: string) =>
    round(
      ((transformers[key] as { p50_ms?: number })?.p50_ms ?? (transformers[key] as number)) /
        ((local[key] as { p50_ms?: number })?.p50_ms ?? (local[key] as number)),
      2,
    );
  const result = {
    benchmark:
      'Transformers.js engine (ONNX Runtime CPU, 8-bit MatMulNBits, int8 compute) against the local engine (node-llama-cpp, Q8_0) on random weights with Llama Guard 3 1B shapes; per-check latency with the policy prefix cached, threshold 1 (no category decode). Command: npm run bench -- --engine transformers',
    machine: {
      cpus: os.availableParallelism(),
      cpu_model: os.cpus()[0]?.model,
      load_average: os.loadavg().map((load) => round(load, 2)),
      node: process.version,
    },
    local,
    transformers,
    ratio_transformers_over_local: Object.fromEntries(
      ['load_ms', ...cases.map((testCase) => testCase.name), 'rss_mb', 'peak_rss_mb'].map((key) => [
        key,
        ratio(key),
      ]),
    ),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
