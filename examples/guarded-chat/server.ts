// A guarded Llama 3.2 3B Instruct chat behind an OpenAI-compatible API, in one process.
// Run: npx tsx --conditions=@vigil/source examples/guarded-chat/server.ts
// Models: --guard / VIGIL_GUARD_MODEL and --model / VIGIL_GENERATOR_MODEL (paths or hf: URIs;
// the defaults are downloaded once: Llama Guard 3 1B Q4_K_M 955 MB, Llama 3.2 3B Q4_K_M 2.0 GB).
// Drafting, off by default: --draft default (Llama 3.2 1B Instruct Q4_K_M, 0.8 GB), a path or hf:
// URI, lookup (prompt lookup) or off (or VIGIL_GENERATOR_DRAFT); --draft-tokens N.
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createChatApp, createGenerator, type GeneratorMode, type GeneratorOptions } from '@vigil/generator';
import { createGuard, type DownloadProgress } from '@vigil/guard-core';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    guard: { type: 'string' },
    mode: { type: 'string' },
    port: { type: 'string' },
    draft: { type: 'string' },
    'draft-tokens': { type: 'string' },
  },
});
const mode = (values.mode ?? process.env.VIGIL_MODE ?? 'block') as GeneratorMode;
const draftChoice = values.draft ?? process.env.VIGIL_GENERATOR_DRAFT ?? 'off';
const draftTokens = values['draft-tokens'] === undefined ? {} : { tokens: Number(values['draft-tokens']) };
const draft: GeneratorOptions['draft'] =
  draftChoice === 'off'
    ? false
    : draftChoice === 'lookup'
      ? 'lookup'
      : { ...(draftChoice === 'default' ? {} : { model: draftChoice }), ...draftTokens };
const onDownloadProgress = (progress: DownloadProgress) =>
  process.stderr.write(`\rdownloading ${progress.model}: ${progress.percent.toFixed(1)}%   `);

// Loading takes seconds (tens on a busy machine): say so rather than sit silent.
const loadStarted = performance.now();
const loaded = (what: string) =>
  console.error(`guarded-chat: ${what} loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
console.error(
  `guarded-chat: loading the guard model ${values.guard ?? process.env.VIGIL_GUARD_MODEL ?? 'Llama Guard 3 1B, downloaded on first use'}...`,
);
const guard = await createGuard({ model: values.guard, onDownloadProgress });
loaded('the guard model');
console.error(
  `guarded-chat: loading the chat model ${values.model ?? process.env.VIGIL_GENERATOR_MODEL ?? 'Llama 3.2 3B Instruct, downloaded on first use'}...`,
);
const generator = await createGenerator({
  guard,
  model: values.model,
  mode,
  draft,
  onDownloadProgress,
  onVerdict: ({ role, action, verdict }) =>
    console.log(
      JSON.stringify({
        role,
        action,
        categories: verdict.categories.map((category) => category.code),
        score: verdict.unsafeProbability,
        ms: Math.round(verdict.durationMs),
      }),
    ),
});
loaded('the chat model');
const app = createChatApp({ generator });
const port = Number(values.port ?? process.env.PORT ?? 8787);
const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
  const memory = generator.memory();
  const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : `${Math.round(bytes / 1e6)} MB`);
  console.log(
    `guarded-chat: http://${info.address}:${info.port}/v1 (model ${generator.model.name}, ` +
      `draft ${generator.model.draft ?? 'off'}, mode ${mode}; ` +
      `generator ${mb(memory.generator.modelBytes)} + context ${mb(memory.generator.contextBytes)}, ` +
      `guard ${mb(memory.guard.modelBytes)}, process RSS ${mb(memory.processRssBytes)})`,
  );
});
const stop = async () => {
  server.close();
  await generator.dispose();
  await guard.dispose();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
