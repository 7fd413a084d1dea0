// A fake upstream LLM for tests: OpenAI chat completions, plain JSON or SSE, answering safe or
// unsafe text by what the last user message asks for. Not part of the package.
import type { Hono } from 'hono';

/** A user message containing this makes the fake model answer with the S9 trigger ` bomb`. */
export const ASK_UNSAFE = 'tell me something dangerous';
export const SAFE_ANSWER = 'Hello! The weather is calm and sunny today. Have a good walk in the park.';
export const UNSAFE_ANSWER =
  'Sure. First find a quiet place. Then build a bomb with the parts. Good luck with it.';

interface ChatBody {
  model?: string;
  stream?: boolean;
  messages?: Array<{ role: string; content: unknown }>;
}

export function answerFor(body: ChatBody): string {
  const last = body.messages?.filter((message) => message.role === 'user').at(-1);
  return JSON.stringify(last?.content ?? '').includes(ASK_UNSAFE) ? UNSAFE_ANSWER : SAFE_ANSWER;
}

export function completion(answer: string, model = 'fake-model') {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
  };
}

/** The SSE events of a streamed answer, content split every `size` characters (mid-word). */
export function sseEvents(answer: string, size = 7, model = 'fake-model'): string[] {
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' }, null)];
  for (let start = 0; start < answer.length; start += size) {
    events.push(chunk({ content: answer.slice(start, start + size) }, null));
  }
  events.push(chunk({}, 'stop'), 'data: [DONE]\n\n');
  return events;
}

/** The parsed data of an SSE body, `event: error` marked. */
export function parseSse(text: string): Array<{ event?: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      return { ...(event ? { event } : {}), data: data === '[DONE]' ? data : JSON.parse(data) };
    });
}

/** The content text of parsed SSE events. */
export function sseText(events: ReadonlyArray<{ data: unknown }>): string {
  return events
    .map(
      (event) =>
        (event.data as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ??
        '',
    )
    .join('');
}

/** Adds `POST /v1/chat/completions` and `POST /echo` (returns the raw body it got) to a Hono app. */
export function addFakeUpstream(app: Hono, options: { chunkDelayMs?: number } = {}) {
  app.post('/v1/chat/completions', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as ChatBody | undefined;
    if (!body) return c.json({ error: { message: 'invalid JSON', type: 'invalid_request_error' } }, 400);
    const answer = answerFor(body);
    if (!body.stream) return c.json(completion(answer, body.model));
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const event of sseEvents(answer, 7, body.model)) {
          if (options.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, options.chunkDelayMs));
          controller.enqueue(encoder.encode(event));
        }
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
  });
  app.post('/echo', async (c) => c.text(await c.req.text()));
  return app;
}

/** The same routes for an Express app (`express.json()` must run before, or Vigil reads the body). */
export function addFakeUpstreamExpress(
  app: import('express').Express,
  options: { chunkDelayMs?: number } = {},
) {
  app.post('/v1/chat/completions', async (req, res) => {
    const body = (typeof req.body === 'object' ? req.body : JSON.parse(String(req.body))) as ChatBody;
    const answer = answerFor(body);
    if (!body.stream) {
      res.json(completion(answer, body.model));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const event of sseEvents(answer, 7, body.model)) {
      if (options.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, options.chunkDelayMs));
      res.write(event);
    }
    res.end();
  });
  app.post('/echo', (req, res) => {
    const chunks: Buffer[] = [];
    if (req.body !== undefined) {
      res.type('text/plain').send(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      return;
    }
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => res.type('text/plain').send(Buffer.concat(chunks).toString('utf8')));
  });
  app.get('/context', (_req, res) => {
    res.json(res.locals.vigil ?? null);
  });
  return app;
}
