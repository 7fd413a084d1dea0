// `npm run bench:generator -- --draft`: tokens/s and acceptance with and without drafting, in one
// run, greedy, no moderation (a stand-in guard answers safe at once), so only generation differs.
//   1. Mechanics: tiny-generator.gguf drafted by tiny-generator-draft.gguf (other words in places:
//      guesses accepted and refuted), by itself (all accepted) and by prompt lookup.
//   2. Cost: random weights shaped like Llama 3.2 3B (target) and 1B (draft: Llama Guard 3 1B's
//      shapes, the same tokenizer). Random weights agree on almost nothing: the worst case.
// Every configuration is loaded at once and the runs alternate between them, so they share the
// machine's noise; the shaped pair does so only when the memory available holds every copy of the
// target (each is repacked for the CPU: about 3.4 GB apiece), else one configuration at a time.
import { statSync } from 'node:fs';
import os from 'node:os';
import { createGenerator, type Generator, type GeneratorOptions } from '@vigil/generator';
import {
  ensureGeneratorShapedModel,
  ensureGuardShapedModel,
  ensureTinyFixtures,
} from '../fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS } from '../fixtures/fixture-facts.js';
import { passThrough } from './pass-through-guard.js';
import { round } from './workload.js';

export interface DraftBenchOptions {
  /** Tokens per run on the shaped pair (the tiny pair always says its whole sentence). */
  tokens: number;
  reps: number;
  threads: number | undefined;
  /** Also run the shaped 3B/1B pair (minutes, 5 GB of files). */
  shaped: boolean;
  log: (line: string) => void;
}

interface Sample {
  tokensPerSecond: number;
  /** Process CPU seconds (all threads) per generated token: robust to other processes on the machine. */
  cpuSecondsPerToken: number;
  completionTokens: number;
  drafted: number;
  accepted: number;
  refuted: number;
  text: string;
}

async function sample(generator: Generator, maxTokens: number): Promise<Sample> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const result = await generator.chat(
    [{ role: 'user', content: 'What is the weather like today? Tell me about the lighthouse keeper.' }],
    { temperature: 0, maxTokens },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const draft = result.usage.draft ?? { drafted: 0, accepted: 0, refuted: 0 };
  return {
    tokensPerSecond: result.usage.completionTokens / seconds,
    cpuSecondsPerToken: (cpu.user + cpu.system) / 1e6 / result.usage.completionTokens,
    completionTokens: result.usage.completionTokens,
    ...draft,
    text: result.message.content,
  };
}

/**
 * Runs every configuration `reps` times. `together`: all loaded at once and run in turn (they share
 * the machine's noise); else one at a time (big models: one target copy in memory at once).
 */
async function compare(
  model: string,
  configs: Record<string, GeneratorOptions['draft']>,
  options: DraftBenchOptions & { maxTokens: number; warmUpTokens: number; together: boolean },
) {
  const samples: Record<string, Sample[]> = {};
  const load = async (name: string, draft: GeneratorOptions['draft']) => {
    options.log(`draft bench: loading ${name}`);
    const generator = await createGenerator({
      guard: passThrough,
      model,
      draft,
      threads: options.threads,
      contextSize: 1024,
      mode: 'shadow',
    });
    await sample(generator, options.warmUpTokens);
    samples[name] = [];
    return generator;
  };
  const measure = async (name: string, generator: Generator, rep: number) => {
    options.log(`draft bench: ${name}, rep ${rep + 1}/${options.reps}`);
    samples[name]?.push(await sample(generator, options.maxTokens));
  };
  if (options.together) {
    const generators: Record<string, Generator> = {};
    try {
      for (const [name, draft] of Object.entries(configs)) generators[name] = await load(name, draft);
      for (let rep = 0; rep < options.reps; rep++) {
        for (const [name, generator] of Object.entries(generators)) await measure(name, generator, rep);
      }
    } finally {
      for (const generator of Object.values(generators)) await generator.dispose();
    }
  } else {
    for (const [name, draft] of Object.entries(configs)) {
      const generator = await load(name, draft);
      try {
        for (let rep = 0; rep < options.reps; rep++) await measure(name, generator, rep);
      } finally {
        await generator.dispose();
      }
    }
  }
  const sum = (name: string, key: 'drafted' | 'accepted' | 'refuted' | 'completionTokens') =>
    (samples[name] ?? []).reduce((total, entry) => total + entry[key], 0);
  const mean = (name: string, key: 'tokensPerSecond' | 'cpuSecondsPerToken' = 'tokensPerSecond') =>
    (samples[name] ?? []).reduce((total, entry) => total + entry[key], 0) /
    Math.max(1, samples[name]?.length ?? 0);
  const baseline = mean('off');
  const cpuBaseline = mean('off', 'cpuSecondsPerToken');
  const offText = samples.off?.[0]?.text;
  return Object.fromEntries(
    Object.keys(configs).map((name) => [
      name,
      {
        tokens_per_s: round(mean(name), 2),
        speed_vs_off: round(mean(name) / baseline, 3),
        cpu_ms_per_token: round(mean(name, 'cpuSecondsPerToken') * 1000, 1),
        // CPU time per token relative to no drafting: what drafting costs, whatever else runs.
        cpu_vs_off: round(mean(name, 'cpuSecondsPerToken') / cpuBaseline, 3),
        completion_tokens: sum(name, 'completionTokens'),
        drafted: sum(name, 'drafted'),
        accepted: sum(name, 'accepted'),
        refuted: sum(name, 'refuted'),
        acceptance_rate:
          sum(name, 'drafted') > 0 ? round(sum(name, 'accepted') / sum(name, 'drafted'), 3) : null,
        same_answer_as_off: (samples[name] ?? []).every((entry) => entry.text === offText),
        all_tokens_per_s: samples[name]?.map((entry) => round(entry.tokensPerSecond, 2)),
      },
    ]),
  );
}

/** Runs both parts and returns the JSON document to print. */
export async function benchDraft(options: DraftBenchOptions) {
  const startedAll = performance.now();
  const loadAtStart = round(os.loadavg()[0] ?? 0, 2);
  await ensureTinyFixtures({ log: options.log });
  const tiny = await compare(
    FIXTURE_PATHS.tinyGenerator,
    {
      off: false,
      draft_fixture: { model: FIXTURE_PATHS.tinyGeneratorDraft },
      draft_same_model: { model: FIXTURE_PATHS.tinyGenerator },
      lookup: 'lookup',
    },
    { ...options, maxTokens: 256, warmUpTokens: 8, together: true },
  );
  let shaped: Awaited<ReturnType<typeof compare>> | undefined;
  let files: { target: string; draft: string } | undefined;
  let shapedTogether = false;
  if (options.shaped) {
    files = {
      target: (await ensureGeneratorShapedModel({ log: options.log })).path,
      draft: (await ensureGuardShapedModel({ log: options.log })).path,
    };
    const draftFile = files.draft;
    const configs = {
      off: false,
      draft_1b: { model: draftFile },
      draft_1b_always_guess: { model: draftFile, minConfidence: 0 },
    } satisfies Record<string, GeneratorOptions['draft']>;
    // Bytes of weights the configurations hold at once: a target each, a draft each but `off`.
    const needed =
      Object.keys(configs).length * statSync(files.target).size +
      (Object.keys(configs).length - 1) * statSync(draftFile).size;
    shapedTogether = os.freemem() > needed * 1.25;
    options.log(
      `draft bench: shaped pair ${shapedTogether ? 'interleaved' : 'one configuration at a time'} (${round(needed / 2 ** 30, 1)} GiB of weights, ${round(os.freemem() / 2 ** 30, 1)} GiB available)`,
    );
    shaped = await compare(files.target, configs, {
      ...options,
      maxTokens: options.tokens,
      warmUpTokens: 4,
      together: shapedTogether,
    });
  }
  return {
    what: 'greedy generation, no moderation; speed_vs_off is tokens/s relative to the same target without drafting, in the same run',
    fixture_pair: {
      target: 'tiny-generator.gguf (hand-wired, 1 layer)',
      note: 'mechanics only: the tiny models cost next to nothing per token, so their tokens/s says nothing about real models',
      runs: tiny,
    },
    shaped_pair: shaped && {
      target: `${files?.target}: random weights, Llama 3.2 3B shapes (28 layers, d=3072), Q8_0`,
      draft: `${files?.draft}: random weights, 1B shapes (16 layers, d=2048, Llama Guard 3 1B's), Q8_0`,
      note: 'random weights agree on almost nothing and are rarely confident: the cost of drafting with no gain, the worst case',
      tokens_per_run: options.tokens,
      interleaved: shapedTogether,
      runs: shaped,
    },
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.availableParallelism(),
      threads: options.threads ?? 'physical cores',
      node: process.version,
      loadavg_1m_at_start: loadAtStart,
      loadavg_1m_at_end: round(os.loadavg()[0] ?? 0, 2),
    },
    reps: options.reps,
    bench_seconds: round((performance.now() - startedAll) / 1000, 1),
  };
}
