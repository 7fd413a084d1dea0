// Run: npx tsx --conditions=@vigil/source examples/hono-proxy/server.ts --model ./Llama-Guard-3-1B.Q4_K_M.gguf --upstream http://127.0.0.1:8080
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createGuard } from '@vigil/guard-core';
import { createProxyApp } from './app.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    upstream: { type: 'string' },
    mode: { type: 'string' },
    strategy: { type: 'string' },
  },
});
const model = values.model ?? process.env.VIGIL_GUARD_MODEL;
const upstream = values.upstream ?? process.env.UPSTREAM_URL;
if (!upstream) {
  console.error('hono-proxy: expected an upstream URL (--upstream or UPSTREAM_URL), received none');
  process.exit(1);
}
const mode = (values.mode ?? process.env.VIGIL_MODE ?? 'block') as 'block' | 'annotate' | 'shadow';
const streamStrategy = (values.strategy ?? process.env.VIGIL_STREAM_STRATEGY ?? 'buffer') as
  | 'buffer'
  | 'progressive';

// Loading takes seconds (tens on a busy machine): say so rather than sit silent.
console.error(`hono-proxy: loading model ${model ?? 'Llama Guard 3 1B, downloaded on first use'}...`);
const loadStarted = performance.now();
const guard = await createGuard({ model, concurrency: 2 });
console.error(`hono-proxy: model loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
const app = createProxyApp({
  guard,
  upstream,
  mode,
  streamStrategy,
  onDecision: (decision) =>
    console.log(
      JSON.stringify({
        role: decision.role,
        action: decision.action,
        categories: decision.verdict?.categories.map((category) => category.code),
        score: decision.verdict?.unsafeProbability,
        ms: Math.round(decision.durationMs),
        reason: decision.reason,
      }),
    ),
});
const port = Number(process.env.PORT ?? 8787);
const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) =>
  console.log(
    `hono-proxy: http://${info.address}:${info.port}/v1 -> ${upstream} (mode ${mode}, ${streamStrategy})`,
  ),
);
const stop = async () => {
  server.close();
  await guard.dispose();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
