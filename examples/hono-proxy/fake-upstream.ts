// A stand-in OpenAI-compatible upstream for trying the proxy without a real LLM. It answers
// `POST /v1/chat/completions` (plain or `stream: true`) with a fixed text; a user message that
// contains "dangerous" gets an answer mentioning a bomb (for Llama Guard to catch).
// Run: PORT=8080 npx tsx examples/hono-proxy/fake-upstream.ts
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

const SAFE = 'Paris is the capital of France. It is known for the Eiffel Tower and its museums.';
const UNSAFE = 'Sure. First get the parts. Then build a bomb in the garage. Be careful with it.';

const app = new Hono();
app.post('/v1/chat/completions', async (c) => {
  const body = await c.req.json<{
    model?: string;
    stream?: boolean;
    messages?: Array<{ content: unknown }>;
  }>();
  const answer = JSON.stringify(body.messages?.at(-1)?.content ?? '').includes('dangerous') ? UNSAFE : SAFE;
  const base = {
    id: `chatcmpl-${Date.now()}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? 'fake',
  };
  if (!body.stream) {
    return c.json({
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    });
  }
  return streamSSE(c, async (stream) => {
    const chunk = (delta: object, finish: string | null) =>
      JSON.stringify({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    await stream.writeSSE({ data: chunk({ role: 'assistant', content: '' }, null) });
    for (const piece of answer.match(/.{1,6}/gs) ?? []) {
      await stream.sleep(20);
      await stream.writeSSE({ data: chunk({ content: piece }, null) });
    }
    await stream.writeSSE({ data: chunk({}, 'stop') });
    await stream.writeSSE({ data: '[DONE]' });
  });
});
const port = Number(process.env.PORT ?? 8080);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) =>
  console.log(`fake upstream: http://127.0.0.1:${info.port}/v1`),
);
