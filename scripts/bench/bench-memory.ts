// `npm run bench:memory`: resident memory of a process that creates a guard on the 1B-shaped
// fixture (random weights, Llama Guard 3 1B's shapes) and classifies 50 conversations, at
// default options unless told otherwise. Prints one JSON document (MB = 10^6 bytes).
//   --quant q8_0|q4_0        the shaped model's quantization (default q8_0)
//   --context-size N         createGuard's contextSize (default: the guard's default)
//   --concurrency N          createGuard's concurrency (default: the guard's default)
//   --long N                 also judge one conversation of about N tokens (a long context)
import { statSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createGuard, type Message } from '@vigil/guard-core';
import { processMemory } from '../../packages/guard-core/src/engine/local/process-memory.js';
import { ensureGuardShapedModel } from '../fixtures/ensure-fixtures.js';
import { round, textOfTokens } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    quant: { type: 'string', default: 'q8_0' },
    'context-size': { type: 'string' },
    concurrency: { type: 'string' },
    long: { type: 'string' },
  },
});
const quant = flags.quant === 'q4_0' ? 'q4_0' : 'q8_0';
const log = (line: string) => process.stderr.write(`${line}\n`);
const { path: modelPath } = await ensureGuardShapedModel({ quant, log });
const mb = (bytes: number | undefined) => (bytes === undefined ? null : round(bytes / 1e6, 0));
const snapshot = () => {
  const memory = processMemory();
  return { rss: mb(memory.rss), anon: mb(memory.anon), file: mb(memory.file), peak: mb(memory.peakRss) };
};

const before = snapshot();
const started = performance.now();
const guard = await createGuard({
  model: modelPath,
  threshold: 1,
  verdictCacheSize: 0,
  // Random weights do not answer like Llama Guard.
  verifyModel: false,
  ...(flags['context-size'] ? { contextSize: Number(flags['context-size']) } : {}),
  ...(flags.concurrency ? { concurrency: Number(flags.concurrency) } : {}),
});
const loadSeconds = round((performance.now() - started) / 1000, 1);
const afterCreate = snapshot();
for (let index = 0; index < 50; index++) {
  const turns: Message[] = [];
  for (let turn = 0; turn <= index % 4; turn++) {
    turns.push({ role: turn % 2 === 0 ? 'user' : 'assistant', content: textOfTokens(30, index * 10 + turn) });
  }
  await guard.classify(turns);
}
const afterClassify = snapshot();
let long: Record<string, unknown> | undefined;
if (flags.long) {
  const tokens = Number(flags.long);
  const verdict = await guard.classify([{ role: 'user', content: textOfTokens(tokens, 7) }]);
  long = {
    tokens,
    prompt_tokens: verdict.usage.promptTokens,
    truncated: verdict.truncated ?? null,
    after: snapshot(),
    long_context_kv_mb: mb(guard.memory().longContextKvCache),
  };
}
const memory = guard.memory();
await guard.dispose();
const fileBytes = statSync(modelPath).size;
const result = {
  model: { file: modelPath, quant, file_mb: mb(fileBytes), backend: guard.model.backend },
  machine: { cpus: os.availableParallelism(), ram_mb: mb(os.totalmem()), node: process.version },
  options: {
    contextSize: guard.model.contextSize,
    concurrency: flags.concurrency ? Number(flags.concurrency) : 'default',
    maxPromptTokens: guard.model.maxPromptTokens,
  },
  load_seconds: loadSeconds,
  rss_mb: { before, after_create: afterCreate, after_50_classifications: afterClassify },
  guard_memory_mb: {
    weights: mb(memory.weights),
    kv_cache: mb(memory.kvCache),
    kv_bytes_per_token: memory.kvBytesPerToken,
    state_cache: mb(memory.stateCache),
  },
  long,
  peak_rss_mb: afterClassify.peak,
  budget_mb: mb(fileBytes + 400e6),
  within_budget: (afterClassify.peak ?? Number.POSITIVE_INFINITY) <= (mb(fileBytes + 400e6) ?? 0),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
