// `npm run bench:generator`: generation speed of the guarded generator with and without output
// moderation, on a model with Llama 3.2 3B Instruct's exact shapes (random weights, generated on
// first run, Q8_0 about 3.4 GB) guarded by one with Llama Guard 3 1B's shapes (Q8_0 1.6 GB).
// Prints one JSON document. Both models share the process's one llama.cpp runtime, as in use.
//   --tokens N           tokens generated per run (default 64)
//   --guard shaped|tiny  the guard model (default shaped: realistic cost; tiny: a smoke run)
//   --generator shaped|tiny  the chat model (default shaped; tiny: a smoke run of the script)
//   --reps N             measured runs per configuration, each next to an unmoderated one (default 3)
//   --draft              instead: tokens/s and acceptance with and without drafting (bench-draft.ts):
//                        the tiny fixture pair, then (unless --generator tiny) 3B/1B-shaped random models
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createGenerator, type Generator, type GeneratorGuard } from '@vigil/generator';
import { createGuard, type Guard } from '@vigil/guard-core';
import {
  ensureGeneratorShapedModel,
  ensureGuardShapedModel,
  ensureTinyFixtures,
} from '../fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS } from '../fixtures/fixture-facts.js';
import { passThrough } from './pass-through-guard.js';
import { round } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    tokens: { type: 'string', default: '64' },
    guard: { type: 'string', default: 'shaped' },
    generator: { type: 'string', default: 'shaped' },
    reps: { type: 'string', default: '3' },
    draft: { type: 'boolean', default: false },
  },
});
const tokens = Number(flags.tokens);
const reps = Number(flags.reps);
const threads = Number(process.env.VIGIL_BENCH_THREADS ?? 0) || undefined;
const log = (line: string) => process.stderr.write(`${line}\n`);
const startedAll = performance.now();

if (flags.draft) {
  const { benchDraft } = await import('./bench-draft.js');
  const result = await benchDraft({ tokens, reps, threads, shaped: flags.generator !== 'tiny', log });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

await ensureTinyFixtures({ log });
const generatorPath =
  flags.generator === 'tiny' ? FIXTURE_PATHS.tinyGenerator : (await ensureGeneratorShapedModel({ log })).path;
const guardPath =
  flags.guard === 'tiny' ? FIXTURE_PATHS.tinyGuard : (await ensureGuardShapedModel({ log })).path;

// Threshold 1: a random-weight guard never cuts, so every run generates all its tokens and
// every window is checked; the cost measured is the checks'.
// Two sequences: the input check's ('User') and the output checks' ('Agent') policy prefixes each
// stay in a sequence's cache, as with the guard's default pool.
const guard: Guard = await createGuard({
  model: guardPath,
  threads,
  threshold: 1,
  verdictCacheSize: 0,
  concurrency: 2,
  contextSize: 2048,
  // Random weights answer nothing like Llama Guard: skip the load-time check.
  verifyModel: false,
});

const common = {
  model: generatorPath,
  threads,
  contextSize: 2048,
  maxTokens: tokens,
  temperature: 0.6,
  topP: 0.9,
};
const question = [
  { role: 'user' as const, content: 'Write a short story about a lighthouse keeper and a storm.' },
];

/**
 * One chat model in memory at a time (each `createGenerator` loads its own copy): a generator's
 * guard is switched between the stand-in (no moderation) and the real guard, so the runs with
 * and without moderation interleave on the same instance and share its noise.
 */
function switchableGuard() {
  let target: GeneratorGuard = passThrough;
  const switchable: GeneratorGuard & { use(next: GeneratorGuard): void } = {
    model: guard.model,
    engine: guard.engine,
    // The input check is not output moderation: it is the stand-in's in every run.
    classify: (input, options) => (options?.role === 'user' ? passThrough : target).classify(input, options),
    use: (next) => {
      target = next;
    },
  };
  return switchable;
}

interface Run {
  tokensPerSecond: number;
  /** Process CPU seconds (all threads) per generated token: robust to other processes on the machine. */
  cpuSecondsPerToken: number;
  completionTokens: number;
  outputChecks: number;
  guardTokensPerCheck: number;
  /** Seconds from the request to the first delivered text (buffering holds it until a window is checked). */
  firstTextSeconds: number;
}

async function run(generator: Generator, seed: number, maxTokens = tokens): Promise<Run> {
  let firstText = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for await (const piece of generator.stream(question, { seed, maxTokens })) {
    if (piece.type === 'text') {
      firstText ||= performance.now();
      continue;
    }
    const { result } = piece;
    // Generation time: from the request to the end of the answer (its final check included); the
    // input check is the instant stand-in's.
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    const outputChecks = Math.max(0, result.usage.moderation.checks - 1);
    const outputTokens = result.usage.moderation.evaluatedTokens;
    return {
      tokensPerSecond: result.usage.completionTokens / seconds,
      cpuSecondsPerToken: (cpu.user + cpu.system) / 1e6 / result.usage.completionTokens,
      completionTokens: result.usage.completionTokens,
      outputChecks,
      guardTokensPerCheck: outputChecks > 0 ? outputTokens / outputChecks : 0,
      firstTextSeconds: ((firstText || performance.now()) - started) / 1000,
    };
  }
  throw new Error('no result');
}

const runs: Record<string, Run[]> = {};
let memory: ReturnType<Generator['memory']> | undefined;
const windows = { default_window: undefined, window_20_tokens: { tokens: 20, sentence: false } };
for (const [name, checkEvery] of Object.entries(windows)) {
  const switchable = switchableGuard();
  const generator = await createGenerator({ ...common, guard: switchable, checkEvery });
  log(`${name}: warm-up (pages the model in, puts the policy prefixes in the guard's cache)`);
  // Both paths, long enough to touch every weight page and every guard sequence's prefix.
  switchable.use(passThrough);
  await run(generator, 1, 16);
  switchable.use(guard);
  await run(generator, 2, 16);
  const baselineName = `unmoderated_for_${name}`;
  runs[baselineName] = [];
  runs[name] = [];
  for (let rep = 0; rep < reps; rep++) {
    log(`${name}: rep ${rep + 1}/${reps}`);
    switchable.use(passThrough);
    runs[baselineName].push(await run(generator, 100 + rep));
    switchable.use(guard);
    runs[name].push(await run(generator, 100 + rep));
  }
  memory = generator.memory();
  await generator.dispose();
}

const mean = (name: string, key: keyof Run) => {
  const values = runs[name]?.map((entry) => entry[key]) ?? [];
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
};
const summary = Object.fromEntries(
  Object.keys(runs).map((name) => {
    const tps = mean(name, 'tokensPerSecond');
    const baseline = mean(`unmoderated_for_${name}`, 'tokensPerSecond');
    const checks = name.startsWith('unmoderated')
      ? {}
      : {
          // CPU time per token, moderated vs not: what moderation costs, whatever else runs.
          overhead_percent_cpu: round(
            (mean(name, 'cpuSecondsPerToken') / mean(`unmoderated_for_${name}`, 'cpuSecondsPerToken') - 1) *
              100,
            1,
          ),
          // Wall time: each moderated run against the unmoderated run just before it, averaged.
          overhead_percent_wall: round(
            (runs[name] ?? []).reduce(
              (sum, entry, index) =>
                sum +
                ((runs[`unmoderated_for_${name}`]?.[index]?.tokensPerSecond ?? 0) / entry.tokensPerSecond -
                  1),
              0,
            ) *
              (100 / Math.max(1, runs[name]?.length ?? 0)),
            1,
          ),
          overhead_percent_of_means: round((baseline / tps - 1) * 100, 1),
          output_checks: mean(name, 'outputChecks'),
          tokens_per_check: round(
            mean(name, 'completionTokens') / Math.max(1, mean(name, 'outputChecks')),
            1,
          ),
          guard_tokens_evaluated_per_check: round(mean(name, 'guardTokensPerCheck'), 1),
        };
    return [
      name,
      {
        tokens_per_s: round(tps, 2),
        cpu_ms_per_token: round(mean(name, 'cpuSecondsPerToken') * 1000, 1),
        completion_tokens: mean(name, 'completionTokens'),
        first_text_s: round(mean(name, 'firstTextSeconds'), 2),
        ...checks,
        all_tokens_per_s: runs[name]?.map((entry) => round(entry.tokensPerSecond, 2)),
      },
    ];
  }),
);
const result = {
  generator_model: {
    file: generatorPath,
    note:
      flags.generator === 'tiny'
        ? 'the tiny hand-wired fixture (smoke run)'
        : 'random weights, Llama 3.2 3B shapes (28 layers, d=3072, FFN 8192, 24/8 heads), Q8_0',
  },
  guard_model: {
    file: guardPath,
    note:
      flags.guard === 'tiny'
        ? 'the tiny hand-wired fixture'
        : 'random weights, Llama Guard 3 1B shapes, Q8_0',
  },
  machine: {
    cpus: os.availableParallelism(),
    threads: threads ?? 'physical cores',
    node: process.version,
    loadavg_1m: round(os.loadavg()[0] ?? 0, 2),
  },
  tokens_per_run: tokens,
  reps,
  runs: summary,
  target: 'default_window.overhead_percent_cpu < 25',
  memory_mb: memory && {
    generator_model: round(memory.generator.modelBytes / 1e6, 0),
    generator_context: round(memory.generator.contextBytes / 1e6, 0),
    guard_model: memory.guard.modelBytes === undefined ? null : round(memory.guard.modelBytes / 1e6, 0),
    process_rss: round(memory.processRssBytes / 1e6, 0),
    peak_rss: round(process.resourceUsage().maxRSS / 1024, 0),
  },
  bench_seconds: round((performance.now() - startedAll) / 1000, 1),
};
await guard.dispose();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
