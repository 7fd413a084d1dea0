// `npm run bench:shared-memory`: what each additional process serving the same model costs the
// host. Starts 1, 2 and 4 processes, each holding a guard on the 1B-shaped fixture that has made
// --calls classifications, and reads /proc/PID/smaps_rollup of each: USS (Private_Clean +
// Private_Dirty, what the host frees when that process exits) and PSS (shared pages split among
// the processes mapping them). With mmap the weights are file pages shared by every process; read
// (mmap off) or repacked, they are private. Prints one JSON document (MB = 10^6 bytes).
//   --quant q8_0|q4_0   the shaped model's quantization (q4_0 is repacked on x86 with AVX2)
//   --mmap on,off       the variants, in this order (default both)
//   --batch N           createGuard's batchSize (default: the guard's default)
//   --concurrency N, --context N   createGuard's concurrency and contextSize (default: the guard's)
//   --counts 1,2,4      how many processes (--counts-off: for mmap off, default the same)
//   --calls N           classifications each process makes before it is measured (default 20)
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureGuardShapedModel } from '../fixtures/ensure-fixtures.js';
import { type Child, smapsRollup, startChild } from './processes.js';
import { round } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    quant: { type: 'string', default: 'q8_0' },
    mmap: { type: 'string', default: 'on,off' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    context: { type: 'string' },
    counts: { type: 'string', default: '1,2,4' },
    'counts-off': { type: 'string' },
    calls: { type: 'string', default: '20' },
  },
});
const quant = flags.quant === 'q4_0' ? 'q4_0' : 'q8_0';
const log = (line: string) => process.stderr.write(`${line}\n`);
const { path: modelPath } = await ensureGuardShapedModel({ quant, log });
const child = resolve(import.meta.dirname, 'guard-child.ts');
const mb = (bytes: number) => round(bytes / 1e6, 0);

/** Starts `count` holders one after another (each loads while the others hold), then measures all. */
async function measure(count: number, mmap: string) {
  const children: Child[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const holder = startChild(child, [
        '--mode',
        'hold',
        '--model',
        modelPath,
        '--mmap',
        mmap,
        '--calls',
        flags.calls,
        ...(flags.batch ? ['--batch', flags.batch] : []),
        ...(flags.concurrency ? ['--concurrency', flags.concurrency] : []),
        ...(flags.context ? ['--context', flags.context] : []),
      ]);
      children.push(holder);
      await holder.next('ready');
    }
    const memory = children.map((holder) => smapsRollup(holder.process.pid as number));
    const sum = (key: keyof (typeof memory)[number]) =>
      memory.reduce((total, entry) => total + entry[key], 0);
    return {
      processes: count,
      uss_mb: memory.map((entry) => mb(entry.uss)),
      pss_mb: memory.map((entry) => mb(entry.pss)),
      rss_mb: memory.map((entry) => mb(entry.rss)),
      anonymous_mb: memory.map((entry) => mb(entry.anonymous)),
      total_uss_mb: mb(sum('uss')),
      total_pss_mb: mb(sum('pss')),
    };
  } finally {
    for (const holder of children) holder.process.stdin?.end();
    await Promise.all(children.map((holder) => holder.exited));
  }
}

const machine = () => ({
  cpu_model: os.cpus()[0]?.model,
  cpus: os.availableParallelism(),
  ram_mb: mb(os.totalmem()),
  node: process.version,
  load_average: os.loadavg().map((load) => round(load, 2)),
});
const machineBefore = machine();
const variants: Record<string, unknown> = {};
for (const mmap of (flags.mmap as string).split(',')) {
  const runs = [];
  const counts = mmap === 'off' ? (flags['counts-off'] ?? flags.counts) : flags.counts;
  for (const count of counts.split(',').map(Number)) {
    log(`mmap ${mmap}: ${count} process(es)`);
    runs.push(await measure(count, mmap));
  }
  // What the host pays for each process beyond the first: the growth of the summed PSS (equal to
  // the summed USS growth when the shared pages are already paid for by the first).
  const first = runs[0];
  const last = runs.at(-1);
  variants[`mmap_${mmap}`] = {
    runs,
    pss_per_additional_process_mb:
      first && last && last.processes > first.processes
        ? round((last.total_pss_mb - first.total_pss_mb) / (last.processes - first.processes), 0)
        : null,
  };
}
process.stdout.write(
  `${JSON.stringify({ model: { file: modelPath, quant }, machine_before: machineBefore, variants, machine_after: machine() }, null, 2)}\n`,
);
