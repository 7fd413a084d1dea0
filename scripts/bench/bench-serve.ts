// `npm run bench:serve`: what `vigil serve` adds over an in-process classify(): the same texts
// judged by the same guard, once by `guard.classify()` and once through
// `POST /v1/moderations` on a loopback server (HTTP, JSON, validation, metrics, logging off),
// at 1 and 8 concurrent clients. Rounds alternate the two paths so drift hits both alike.
// Prints one JSON document (latencies in ms; `addedP50Ms` = service p50 - in-process p50).
// On a busy machine inference noise hides the overhead, so the same is also measured over a
// scripted engine that answers at once (`withoutModel`): the service's own cost alone.
//   --model PATH    the guard GGUF (default: the hand-wired tiny-guard fixture)
//   --calls N       calls per path, concurrency and round (default 40)
//   --rounds N      alternating rounds (default 3)
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { createModerationApp, startModerationServer } from '@vigil/server';
import { ensureTinyFixtures } from '../fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS } from '../fixtures/fixture-facts.js';
import { percentile, round, textOfTokens } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    model: { type: 'string' },
    calls: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
  },
});
const calls = Number(flags.calls);
const rounds = Number(flags.rounds);
const log = (line: string) => process.stderr.write(`${line}\n`);

if (!flags.model) await ensureTinyFixtures({ log });
const model = flags.model ?? FIXTURE_PATHS.tinyGuard;
// No verdict cache: every call is a real classification on both paths.
const modelGuard = await createGuard({ model, concurrency: 8, verdictCacheSize: 0, contextSize: 4096 });
const scriptedGuard = await createGuard({ engine: createScriptedEngine(), verdictCacheSize: 0 });

let seed = 1;
const nextText = () => textOfTokens(20, seed++);

/** `count` calls with `concurrency` clients each waiting for its answer before the next call. */
async function run(call: (text: string) => Promise<number>, concurrency: number, count: number) {
  const latencies: number[] = [];
  let left = count;
  const client = async () => {
    while (left-- > 0) latencies.push(await call(nextText()));
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

const summary = (latencies: number[], seconds: number) => ({
  p50: round(percentile(latencies, 50), 2),
  p95: round(percentile(latencies, 95), 2),
  perSecond: round(latencies.length / seconds, 1),
});

async function measure(guard: Guard, label: string, callsPerRound: number) {
  const app = createModerationApp({ guard, processMetrics: false, maxPending: 1024 });
  const server = await startModerationServer(app.fetch, { port: 0, host: '127.0.0.1' });
  const inProcess = async (text: string) => {
    const started = performance.now();
    await guard.classify(text, { role: 'user', includeCategoryProbabilities: true });
    return performance.now() - started;
  };
  const overHttp = async (text: string) => {
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/moderations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: text }),
    });
    const body = (await response.json()) as { results?: unknown[] };
    if (response.status !== 200 || body.results?.length !== 1)
      throw new Error(`bench: HTTP ${response.status}`);
    return performance.now() - started;
  };
  // Warm-up: the policy prefix in every sequence, the HTTP connection pool, JIT.
  await run(inProcess, 8, 16);
  await run(overHttp, 8, 16);
  const results: Record<string, unknown> = {};
  for (const concurrency of [1, 8]) {
    const direct: number[] = [];
    const service: number[] = [];
    let directSeconds = 0;
    let serviceSeconds = 0;
    for (let index = 0; index < rounds; index++) {
      const a = await run(inProcess, concurrency, callsPerRound);
      direct.push(...a.latencies);
      directSeconds += a.seconds;
      const b = await run(overHttp, concurrency, callsPerRound);
      service.push(...b.latencies);
      serviceSeconds += b.seconds;
      log(`  ${label}: concurrency ${concurrency}, round ${index + 1}/${rounds}`);
    }
    const inProcessSummary = summary(direct, directSeconds);
    const serviceSummary = summary(service, serviceSeconds);
    results[`concurrency_${concurrency}`] = {
      inProcess: inProcessSummary,
      service: serviceSummary,
      addedP50Ms: round(serviceSummary.p50 - inProcessSummary.p50, 2),
      addedP95Ms: round(serviceSummary.p95 - inProcessSummary.p95, 2),
    };
  }
  await server.drain(5000);
  return { callsPerPoint: callsPerRound * rounds, ...results };
}

log(`bench:serve: ${model}`);
const withModel = await measure(modelGuard, 'model', calls);
const withoutModel = await measure(scriptedGuard, 'scripted', calls * 10);
await modelGuard.dispose();
await scriptedGuard.dispose();
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'vigil serve overhead over in-process classify()',
      model: model.split('/').at(-1),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((value) => round(value, 1)),
      input: 'one 20-token user message per call, all distinct, safe, verdict cache off',
      withModel,
      withoutModel,
    },
    null,
    2,
  )}\n`,
);
