// A child process of the start-up and memory benchmarks (see processes.ts). Reports each step as
// a JSON line with `at_ms`, milliseconds since this process started (performance.now()).
//   --root DIR      the checkout whose guard-core is loaded (default: this one; a second worktree
//                   at an older commit gives the "before" figures)
//   --model PATH    the GGUF
//   --mmap on|off|auto, --batch N, --concurrency N, --context N   createGuard's mmap, batchSize,
//                   concurrency and contextSize (omitted: the defaults)
//   --mode library  createGuard, the verification probe, a first and a second verdict; each step
//                   with this process's CPU time (`cpu_ms`) and private anonymous memory (`anon_mb`)
//   --mode pieces   the load path piece by piece: runtime, reading the file, a model of the same
//                   vocabulary and no weights (tiny-guard), loadModel mapped and read, context
//   --mode hold     createGuard, N classifications (--calls), then waits for stdin to close
//   --mode calls    createGuard, one warm-up, then N classifications of a ~120-token user message
//                   and (--chat) a 6-turn growing chat; reports each duration and this process's memory
//   --remote URL    (calls) the same calls as Llama Guard prompts (Vigil's renderer, the default
//                   policy) sent straight to a llama-server's /completion at URL: the native anchor
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FIXTURE_PATHS } from '../fixtures/fixture-facts.js';
import { cpuMs, report as reportLine, smapsRollup } from './processes.js';
import { textOfTokens } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dirname, '../..') },
    model: { type: 'string' },
    mmap: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    context: { type: 'string' },
    mode: { type: 'string', default: 'library' },
    calls: { type: 'string', default: '20' },
    chat: { type: 'boolean', default: false },
    remote: { type: 'string' },
  },
});
const root = flags.root as string;
const modelPath = flags.model as string;
const at = () => Math.round(performance.now());
/** Each step with the CPU time and private anonymous memory this process has used so far. */
const report = (event: string, fields: Record<string, unknown> = {}) =>
  reportLine(event, {
    ...fields,
    cpu_ms: cpuMs(),
    anon_mb: Math.round(smapsRollup(process.pid).anonymous / 1e6),
  });
const source = (path: string) => import(pathToFileURL(`${root}/packages/guard-core/src/${path}`).href);
const mmapOption = () =>
  flags.mmap === undefined ? {} : { mmap: flags.mmap === 'auto' ? 'auto' : flags.mmap === 'on' };
const batchOption = () => ({
  ...(flags.batch === undefined ? {} : { batchSize: Number(flags.batch) }),
  ...(flags.concurrency === undefined ? {} : { concurrency: Number(flags.concurrency) }),
  ...(flags.context === undefined ? {} : { contextSize: Number(flags.context) }),
});

report('started', { at_ms: at() });
if (flags.mode === 'pieces') await pieces();
else await library();

async function library() {
  const core = await source('index.ts');
  const { getSharedLlama } = await source('engine/local/llama.ts');
  report('imported', { at_ms: at() });
  await getSharedLlama();
  report('runtime', { at_ms: at() });
  if (flags.remote) return anchorCalls(flags.remote);
  const guard = await core.createGuard({
    model: modelPath,
    threshold: 1,
    verdictCacheSize: 0,
    // Random weights do not answer like Llama Guard: the probe is run (and timed) below instead.
    verifyModel: false,
    ...mmapOption(),
    ...batchOption(),
  });
  report('guard', { at_ms: at() });
  if (flags.mode === 'calls') {
    await timedCalls(async (input) => (await guard.classify(input)).durationMs);
    await guard.dispose();
    return;
  }
  if (flags.mode === 'hold') {
    for (let index = 0; index < Number(flags.calls); index++) {
      await guard.classify([{ role: 'user', content: textOfTokens(30 + (index % 4) * 20, 1000 + index) }]);
    }
    report('ready', { at_ms: at(), pid: process.pid });
    process.stdin.resume();
    await new Promise((done) => process.stdin.on('end', done));
    await guard.dispose();
    return;
  }
  const { createPromptRenderer } = await source('prompt/renderer.ts');
  const { normalizeConversation } = await source('conversation/normalize.ts');
  const segments = createPromptRenderer(guard.model.chatTemplate).segments(
    guard.policy,
    normalizeConversation('Hello!'),
  );
  // The guard's own check (ADR 0015): its probe prompt, the policy prefix then cached for the first call.
  const mass = await guard.engine.verdictMass(segments);
  report('probe', { at_ms: at(), mass });
  const first = await guard.classify('hello');
  report('verdict', { at_ms: at(), duration_ms: first.durationMs });
  const second = await guard.classify('good morning');
  report('second_verdict', { at_ms: at(), duration_ms: second.durationMs });
  await guard.dispose();
}

async function pieces() {
  const { getSharedLlama, resolveThreads } = await source('engine/local/llama.ts');
  const { contextOptionsOf } = await source('engine/local/open-model.ts');
  const llama = await getSharedLlama();
  report('runtime', { at_ms: at() });
  // Reading the whole file into memory (what a private copy costs before any repacking).
  const buffer = Buffer.allocUnsafe(64 * 2 ** 20);
  const fd = openSync(modelPath, 'r');
  const readStarted = performance.now();
  let bytes = 0;
  for (let read = 1; read > 0; bytes += read) read = readSync(fd, buffer, 0, buffer.length, bytes);
  closeSync(fd);
  report('file_read', { at_ms: at(), ms: Math.round(performance.now() - readStarted), bytes });
  // node-llama-cpp reads the GGUF's metadata in JavaScript before llama.cpp loads the model.
  const { readGgufFileInfo } = await import('node-llama-cpp');
  let cpu = cpuMs();
  let started = performance.now();
  await readGgufFileInfo(modelPath, { sourceType: 'filesystem' });
  report('read_metadata', {
    at_ms: at(),
    ms: Math.round(performance.now() - started),
    spent_cpu_ms: cpuMs() - cpu,
  });
  // The same vocabulary and metadata with almost no weights: what a load costs whatever the model.
  if (existsSync(FIXTURE_PATHS.tinyGuard)) {
    cpu = cpuMs();
    started = performance.now();
    const tiny = await llama.loadModel({ modelPath: FIXTURE_PATHS.tinyGuard });
    report('load_vocabulary', {
      at_ms: at(),
      load_model_ms: Math.round(performance.now() - started),
      spent_cpu_ms: cpuMs() - cpu,
    });
    await tiny.dispose();
  }
  for (const useMmap of [true, false]) {
    const anonBefore = smapsRollup(process.pid).anonymous;
    cpu = cpuMs();
    started = performance.now();
    const model = await llama.loadModel({ modelPath, useMmap });
    const loaded = performance.now();
    const modelCpu = cpuMs() - cpu;
    const anonModel = smapsRollup(process.pid).anonymous;
    const context = await model.createContext(
      contextOptionsOf({
        sequences: 4,
        contextSize: 2048,
        threads: resolveThreads(llama, undefined),
        batchSize: 512,
      }),
    );
    const anonContext = smapsRollup(process.pid).anonymous;
    report(useMmap ? 'load_mmap' : 'load_read', {
      at_ms: at(),
      load_model_ms: Math.round(loaded - started),
      load_model_cpu_ms: modelCpu,
      create_context_ms: Math.round(performance.now() - loaded),
      create_context_cpu_ms: cpuMs() - cpu - modelCpu,
      model_anon_mb: Math.round((anonModel - anonBefore) / 1e6),
      context_anon_mb: Math.round((anonContext - anonModel) / 1e6),
    });
    await context.dispose();
    await model.dispose();
  }
}

/**
 * `--mode calls --remote URL`: the calls of `--mode calls`, each a Llama Guard prompt (Vigil's
 * renderer, the default policy) sent to llama-server's `/completion` for one token with its prompt
 * cache on, timed around the request. No guard is loaded in this process.
 */
async function anchorCalls(url: string) {
  const { createPromptRenderer } = await source('prompt/renderer.ts');
  const { normalizeConversation } = await source('conversation/normalize.ts');
  const { resolvePolicy } = await source('policy/policy.ts');
  const renderer = createPromptRenderer();
  const policy = resolvePolicy();
  const classify = async (input: CallInput) => {
    const segments = renderer.segments(policy, normalizeConversation(input));
    const started = performance.now();
    const response = await fetch(`${url}/completion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: segments.prefix + segments.conversation + segments.tail,
        n_predict: 1,
        temperature: 0,
        cache_prompt: true,
      }),
    });
    await response.text();
    if (!response.ok) throw new Error(`llama-server answered ${response.status}`);
    return performance.now() - started;
  };
  await timedCalls(classify);
}

type CallInput = string | { role: 'user' | 'assistant'; content: string }[];

/**
 * `--mode calls`: one warm-up, `--calls` single calls of a ~120-token user message, and (`--chat`)
 * a 6-turn growing chat classified after every turn; reports each duration and this process's memory.
 */
async function timedCalls(classify: (input: CallInput) => Promise<number>) {
  await classify(textOfTokens(120, 1));
  const single: number[] = [];
  for (let index = 0; index < Number(flags.calls); index++)
    single.push(await classify(textOfTokens(120, 2000 + index)));
  const turns: { role: 'user' | 'assistant'; content: string }[] = [];
  const chatStarted = performance.now();
  for (let turn = 0; turn < (flags.chat ? 6 : 0); turn++) {
    turns.push({ role: turn % 2 === 0 ? 'user' : 'assistant', content: textOfTokens(40, 600 + turn) });
    await classify(turns);
  }
  const chatMs = performance.now() - chatStarted;
  report('calls', { single_ms: single, growing_chat_ms: chatMs, memory: smapsRollup(process.pid) });
}
