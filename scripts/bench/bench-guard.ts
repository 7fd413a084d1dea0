// `npm run bench`: how close classify() runs to the hardware's floor, on a model with Llama Guard
// 3 1B's exact shapes (random weights, generated on first run). Prints one JSON document.
// Everything is measured in one run on the same model, so ratios compare like with like.
//   --quant q8_0|q4_0   the shaped model's quantization (default q8_0)
//   --quick             fewer repetitions (a smoke run)
//   --only interleaved  only the interleaved workload (many conversations, state cache off and on)
//   --only cold-start   only process start to first verdict (scripts/bench/cold-start.ts)
//   --sizes 12x4,12x8   the interleaved workload's conversations x turns (default both)
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  createGuard,
  createLocalEngine,
  type Guard,
  type GuardEngine,
  type Message,
} from '@vigil/guard-core';
import { ensureGuardShapedModel } from '../fixtures/ensure-fixtures.js';
import { runInterleaved } from './interleaved.js';
import { measurePrefillMs, measureRawSpeed } from './raw-speed.js';
import { percentile, round, textOfTokens } from './workload.js';

// `--engine transformers`: the Transformers.js engine against this one (bench-transformers.ts).
if (process.argv.includes('--engine')) {
  await import('./bench-transformers.js');
  process.exit(process.exitCode ?? 0);
}

const { values: flags } = parseArgs({
  options: {
    quant: { type: 'string', default: 'q8_0' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    sizes: { type: 'string' },
  },
});
if (flags.only === 'cold-start') {
  await import('./cold-start.js');
  process.exit(0);
}
const quant = flags.quant === 'q4_0' ? 'q4_0' : 'q8_0';
const reps = flags.quick ? 2 : 5;
const threads = Number(process.env.VIGIL_BENCH_THREADS ?? 0) || undefined;

const log = (line: string) => process.stderr.write(`${line}\n`);
const { path: modelPath } = await ensureGuardShapedModel({ quant, log });

// Every call is judged with threshold 1: the cost measured is the verdict's (one forward step);
// unsafe verdicts add the category decode, reported separately.
const guardOver = (engine: GuardEngine, threshold = 1) =>
  createGuard({ engine, threshold, verdictCacheSize: 0 });
const engineOptions = { model: modelPath, threads, contextSize: 1024 };

interface Case {
  name: string;
  input: (index: number) => Message[];
}
const cases: Case[] = [
  { name: 'user_short_20', input: (i) => [{ role: 'user', content: textOfTokens(20, 100 + i) }] },
  { name: 'user_medium_120', input: (i) => [{ role: 'user', content: textOfTokens(120, 200 + i) }] },
  { name: 'user_long_500', input: (i) => [{ role: 'user', content: textOfTokens(500, 300 + i) }] },
  {
    name: 'assistant_response_100',
    input: (i) => [
      { role: 'user', content: textOfTokens(20, 400 + i) },
      { role: 'assistant', content: textOfTokens(100, 500 + i) },
    ],
  },
];

type CaseResult = Awaited<ReturnType<typeof runCase>>;

async function runCase(guard: Guard, testCase: Case, floor: (newTokens: number) => number) {
  // One warm-up call puts the policy prefix for this role in the cache.
  await guard.classify(testCase.input(-1));
  const latencies: number[] = [];
  const evaluated: number[] = [];
  const ratios: number[] = [];
  const newTokens: number[] = [];
  for (let index = 0; index < reps; index++) {
    const verdict = await guard.classify(testCase.input(index));
    latencies.push(verdict.durationMs);
    evaluated.push(verdict.usage.evaluatedTokens);
    newTokens.push(verdict.usage.promptTokens - verdict.usage.cachedTokens);
    ratios.push(verdict.durationMs / floor(verdict.usage.promptTokens - verdict.usage.cachedTokens));
  }
  return {
    p50_ms: round(percentile(latencies, 50), 1),
    p95_ms: round(percentile(latencies, 95), 1),
    tokens_evaluated_per_call: round(percentile(evaluated, 50), 0),
    new_tokens_per_call: round(percentile(newTokens, 50), 0),
    floor_ratio_p50: round(percentile(ratios, 50)),
    floor_ratio_max: round(Math.max(...ratios)),
  };
}

async function growingConversation(guard: Guard) {
  const turns: Message[] = [];
  let tokens = 0;
  const started = performance.now();
  for (let turn = 0; turn < 6; turn++) {
    turns.push({ role: turn % 2 === 0 ? 'user' : 'assistant', content: textOfTokens(40, 600 + turn) });
    const verdict = await guard.classify(turns);
    tokens += verdict.usage.evaluatedTokens;
  }
  return { tokens_evaluated: tokens, total_ms: round(performance.now() - started, 1) };
}

async function throughput(engine: GuardEngine, parallel: number, calls: number) {
  const guard = await guardOver(engine);
  // Put the policy prefix in every sequence first: steady state, not start-up, is measured.
  await Promise.all(Array.from({ length: 8 }, (_, i) => guard.classify(textOfTokens(20, 700 + i))));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < calls) {
        const index = next++;
        await guard.classify(textOfTokens(20, 800 + parallel * 100 + index));
      }
    }),
  );
  return round(calls / ((performance.now() - started) / 1000));
}

const startedAll = performance.now();
const machine = () => ({
  cpus: os.availableParallelism(),
  cpu_model: os.cpus()[0]?.model,
  ram_gb: round(os.totalmem() / 2 ** 30, 1),
  threads: threads ?? 'physical cores',
  node: process.version,
  load_average: os.loadavg().map((load) => round(load, 2)),
});
const interleaved = async () => {
  const runs: Record<string, Awaited<ReturnType<typeof runInterleaved>> | { load_average_before: number[] }> =
    {};
  const sizes = (flags.sizes ?? (flags.quick ? '6x3' : '12x4,12x8'))
    .split(',')
    .map((size) => size.split('x').map(Number) as [number, number]);
  for (const [conversations, turns] of sizes) {
    runs[`load_before_${conversations}x${turns}`] = { load_average_before: machine().load_average };
    const run = await runInterleaved({ modelPath, threads, conversations, turns, log });
    runs[`${conversations}x${turns}`] = run;
    // Each size as it finishes, so that a long run interrupted keeps what it measured.
    log(JSON.stringify(run));
  }
  return runs;
};
if (flags.only === 'interleaved') {
  const result = {
    model: { file: modelPath, quant },
    machine_before: machine(),
    interleaved: await interleaved(),
    machine_after: machine(),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 0),
    bench_seconds: round((performance.now() - startedAll) / 1000, 1),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
log('measuring raw speed');
const probe = await createLocalEngine({ ...engineOptions, concurrency: 1 });
const probeGuard = await guardOver(probe);
const promptTokens = (await probeGuard.classify(textOfTokens(300, 1))).usage.promptTokens;
await probe.dispose();
const rawTokens = Array.from({ length: promptTokens }, (_, i) => 1000 + ((i * 7919) % 100_000));
const raw = await measureRawSpeed(modelPath, threads ?? os.availableParallelism(), rawTokens);
const floor = (newTokens: number) =>
  (newTokens / raw.raw_prefill_tokens_per_s) * 1000 + raw.decode_ms_per_token;

// One model in memory at a time: the naive engine's phase, then the cached engine's.
const single: Record<
  string,
  {
    cached?: CaseResult;
    naive?: CaseResult;
    speedup_p50?: number;
    cached_floor_ratio_p50_same_batch_size?: number;
  }
> = {};
const growing: Record<string, { tokens_evaluated: number; total_ms: number } | number> = {};
for (const mode of ['naive', 'cached'] as const) {
  const engine = await createLocalEngine({ ...engineOptions, concurrency: 2, reuseCache: mode === 'cached' });
  const guard = await guardOver(engine);
  for (const testCase of cases) {
    log(`${mode}: ${testCase.name}`);
    single[testCase.name] = { ...single[testCase.name], [mode]: await runCase(guard, testCase, floor) };
  }
  log(`${mode}: growing conversation`);
  growing[mode] = await growingConversation(guard);
  if (mode === 'cached') {
    const unsafeGuard = await guardOver(engine, 0.000001);
    const unsafeVerdict = await unsafeGuard.classify(textOfTokens(20, 900));
    const safeVerdict = await guard.classify(textOfTokens(20, 901));
    growing.unsafe_verdict_extra_ms = round(unsafeVerdict.durationMs - safeVerdict.durationMs, 1);
  }
  await engine.dispose();
}
// The same floor with the prefill of exactly that many tokens measured fresh (small batches run
// slower per token than the 300-token measurement above).
const lengths = Object.values(single).map((entry) => entry.cached?.new_tokens_per_call ?? 1);
const prefillMs = await measurePrefillMs(modelPath, threads ?? os.availableParallelism(), lengths);
for (const entry of Object.values(single)) {
  entry.speedup_p50 = round((entry.naive?.p50_ms ?? 0) / (entry.cached?.p50_ms ?? 1), 2);
  if (entry.cached) {
    const ms = prefillMs[entry.cached.new_tokens_per_call] ?? Number.NaN;
    entry.cached_floor_ratio_p50_same_batch_size = round(
      entry.cached.p50_ms / (ms + raw.decode_ms_per_token),
    );
  }
}
const growingCached = growing.cached as { tokens_evaluated: number; total_ms: number };
const growingNaive = growing.naive as { tokens_evaluated: number; total_ms: number };

log('throughput');
const pooled = await createLocalEngine({ ...engineOptions, concurrency: 8 });
const calls = flags.quick ? 8 : 16;
const perSecond = {
  concurrency_1: await throughput(pooled, 1, calls),
  concurrency_4: await throughput(pooled, 4, calls),
  concurrency_8: await throughput(pooled, 8, calls),
};
await pooled.dispose();

const interleavedRuns = await interleaved();

const result = {
  model: {
    file: modelPath,
    note: 'random weights with Llama Guard 3 1B shapes (16 layers, d=2048, 32/8 heads, vocab 128256)',
    quant,
  },
  machine: machine(),
  raw_prefill_tokens_per_s: round(raw.raw_prefill_tokens_per_s, 1),
  decode_ms_per_token: round(raw.decode_ms_per_token, 1),
  single_calls: single,
  unsafe_verdict_extra_ms: growing.unsafe_verdict_extra_ms,
  growing_conversation_6_turns: {
    cached: growingCached,
    naive: growingNaive,
    tokens_ratio: round(growingCached.tokens_evaluated / growingNaive.tokens_evaluated),
  },
  throughput_per_s: {
    ...perSecond,
    ratio_4_vs_1: round(perSecond.concurrency_4 / perSecond.concurrency_1, 2),
  },
  interleaved: interleavedRuns,
  peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 0),
  bench_seconds: round((performance.now() - startedAll) / 1000, 1),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
