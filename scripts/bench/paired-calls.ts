// `npm run bench:paired`: single-call latency, a growing chat and private memory of several
// variants of the guard, each round starting one fresh process per variant in turn (A B C A B C),
// so that a busy machine slows every variant alike; compare by the median of paired ratios against
// the first variant. Prints one JSON document (MB = 10^6 bytes).
//   --variant NAME=SPEC   repeatable; SPEC is comma-separated `root:DIR` (a checkout, e.g. a second
//                         worktree at an older commit), `batch:N`, `mmap:on|off`
//                         (default: batch 128, 256 and 512 of this checkout)
//   --rounds N            rounds (default 3); --calls N single calls per process (default 6)
//   --chat                also a 6-turn growing chat per process
// LLAMA_SERVER=/path/to/llama-server adds the native anchor as one more variant, `llama_server`: a
// fresh llama-server on the same model each round, the same Llama Guard prompts sent to its
// /completion (prompt cache on; each call's time includes the loopback HTTP request; its memory
// figures are the client's, not the server's).
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureGuardShapedModel } from '../fixtures/ensure-fixtures.js';
import { startLlamaServer } from './llama-server.js';
import { medianRatio, startChild } from './processes.js';
import { percentile, round } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '3' },
    calls: { type: 'string', default: '6' },
    chat: { type: 'boolean', default: false },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const { path: modelPath } = await ensureGuardShapedModel({ quant: 'q8_0', log });
const child = resolve(import.meta.dirname, 'guard-child.ts');
const specs = flags.variant ?? ['batch128=batch:128', 'batch256=batch:256', 'batch512=batch:512'];
const variants = specs.map((spec) => {
  const [name, options = ''] = spec.split('=');
  const args: string[] = [];
  for (const option of options.split(',').filter(Boolean)) {
    const [key, value = ''] = option.split(':');
    if (key === 'root') args.push('--root', resolve(value));
    else if (key === 'batch' || key === 'mmap') args.push(`--${key}`, value);
    else throw new Error(`--variant ${spec}: unknown option '${key}'`);
  }
  return { name: name as string, args };
});
const llamaServerBinary = process.env.LLAMA_SERVER || process.env.LLAMA_SERVER_BIN;
if (llamaServerBinary) variants.push({ name: 'llama_server', args: [] });

interface Sample {
  single_p50_ms: number;
  growing_chat_ms: number;
  uss_mb: number;
  pss_mb: number;
  rss_mb: number;
}
const samples: Record<string, Sample[]> = Object.fromEntries(variants.map(({ name }) => [name, []]));
const machine = () => ({
  cpu_model: os.cpus()[0]?.model,
  cpus: os.availableParallelism(),
  node: process.version,
  load_average: os.loadavg().map((load) => round(load, 2)),
});
const machineBefore = machine();
for (let index = 0; index < Number(flags.rounds); index++) {
  // Each round starts one variant later, so that a load that drifts during the run favours none.
  const order = variants.map(
    (_, at) => variants[(at + index) % variants.length] as (typeof variants)[number],
  );
  for (const { name, args } of order) {
    log(`round ${index + 1}: ${name}`);
    const server =
      name === 'llama_server' && llamaServerBinary
        ? await startLlamaServer(llamaServerBinary, modelPath)
        : undefined;
    const run = startChild(child, [
      '--mode',
      'calls',
      '--model',
      modelPath,
      '--calls',
      flags.calls,
      ...(flags.chat ? ['--chat'] : []),
      ...args,
      ...(server ? ['--remote', server.url] : []),
    ]);
    const result = await run.next('calls').finally(() => server?.stop());
    await run.exited;
    const memory = result.memory as { uss: number; pss: number; rss: number };
    samples[name]?.push({
      single_p50_ms: round(percentile(result.single_ms as number[], 50), 1),
      growing_chat_ms: round(result.growing_chat_ms as number, 0),
      uss_mb: round(memory.uss / 1e6, 0),
      pss_mb: round(memory.pss / 1e6, 0),
      rss_mb: round(memory.rss / 1e6, 0),
    });
  }
}
const first = variants[0]?.name as string;
const series = (name: string, key: keyof Sample) => (samples[name] ?? []).map((sample) => sample[key]);
const summary = Object.fromEntries(
  variants.map(({ name, args }) => [
    name,
    {
      options: args.join(' ') || 'defaults',
      median: Object.fromEntries(
        (['single_p50_ms', 'growing_chat_ms', 'uss_mb', 'pss_mb', 'rss_mb'] as const).map((key) => [
          key,
          percentile(series(name, key), 50),
        ]),
      ),
      [`single_ratio_vs_${first}`]: round(
        medianRatio(series(name, 'single_p50_ms'), series(first, 'single_p50_ms')),
      ),
      [`growing_chat_ratio_vs_${first}`]: round(
        medianRatio(series(name, 'growing_chat_ms'), series(first, 'growing_chat_ms')),
      ),
    },
  ]),
);
process.stdout.write(
  `${JSON.stringify({ model: { file: modelPath, quant: 'q8_0' }, machine_before: machineBefore, summary, samples, machine_after: machine() }, null, 2)}\n`,
);
