// The Vercel AI SDK (`ai@6`) with Llama Guard checking the prompt and the answer, added in one
// line: `wrapLanguageModel({ model, middleware: vigilMiddleware({ guard, mode: 'block' }) })`.
// Run: npx tsx --conditions=@vigil/source examples/ai-sdk/chat.ts --model ./Llama-Guard-3-1B.Q4_K_M.gguf "Write a haiku about rain."
import { parseArgs } from 'node:util';
import { createGuard, VigilContentFilterError } from '@vigil/guard-core';
import { vigilMiddleware } from '@vigil/guard-middleware/ai-sdk';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { echoModel } from './echo-model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, mode: { type: 'string' }, strategy: { type: 'string' } },
});
const prompt = positionals.join(' ') || 'Write a haiku about rain.';
const guardModel = values.model ?? process.env.VIGIL_GUARD_MODEL;
// Loading takes seconds (tens on a busy machine): say so rather than sit silent.
console.error(`ai-sdk: loading model ${guardModel ?? 'Llama Guard 3 1B, downloaded on first use'}...`);
const loadStarted = performance.now();
const guard = await createGuard({ model: guardModel, concurrency: 2 });
console.error(`ai-sdk: model loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

// The one line: any AI SDK model (here an offline stand-in) wrapped with the guard.
const model = wrapLanguageModel({
  model: echoModel(),
  middleware: vigilMiddleware({
    guard,
    mode: (values.mode ?? 'block') as 'block' | 'annotate' | 'shadow',
    streamStrategy: (values.strategy ?? 'buffer') as 'buffer' | 'progressive',
    onDecision: (decision) =>
      console.error(
        `[vigil] ${decision.role} ${decision.action} ${decision.verdict?.raw.replace('\n', ' ') ?? decision.reason ?? ''}`,
      ),
  }),
});

try {
  const result = await generateText({ model, prompt });
  console.log(`generateText: ${result.text}`);
  console.log(`finishReason: ${result.finishReason}`);
  console.log(`providerMetadata.vigil: ${JSON.stringify(result.providerMetadata?.vigil)}`);
} catch (error) {
  // A blocked call throws a typed error (or answers with a refusal: `onBlocked: 'refuse'`).
  if (!VigilContentFilterError.isInstance(error)) throw error;
  console.log(`generateText: ${error.name}: ${error.message}`);
}

const stream = streamText({
  model,
  prompt,
  onError: ({ error }) => {
    if (VigilContentFilterError.isInstance(error)) console.log(`streamText: ${error.name}: ${error.message}`);
    else console.error(error);
  },
});
let finishReason: string | undefined;
let streamed = '';
for await (const part of stream.fullStream) {
  if (part.type === 'text-delta') {
    process.stdout.write(streamed === '' ? `streamText: ${part.text}` : part.text);
    streamed += part.text;
  }
  if (part.type === 'finish') finishReason = part.finishReason;
}
if (streamed !== '') process.stdout.write('\n');
console.log(`finishReason: ${finishReason ?? 'none (the call failed before the model was called)'}`);
await guard.dispose();
