import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatApp } from './chat-app.js';
import { createScriptedBackend, SAFE_PIECES, scriptedGenerator } from './scripted-backend.fixture.js';
import type { GeneratorMode } from './types.js';

const safeText = SAFE_PIECES.join('');
const refusal = "Sorry, I can't help with that.";

async function appFor(mode: GeneratorMode = 'block') {
  const { generator } = await scriptedGenerator({ mode });
  return createChatApp({ generator });
}

const post = (app: Awaited<ReturnType<typeof appFor>>, body: unknown) =>
  app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The `data:` payloads of an SSE body. */
async function events(response: Response) {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

describe('createChatApp through app.request()', () => {
  it('answers a chat completion with usage and verdicts', async () => {
    const response = await post(await appFor(), {
      model: 'any',
      messages: [{ role: 'user', content: 'Describe the garden.' }],
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'scripted',
      choices: [{ index: 0, message: { role: 'assistant', content: safeText }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 },
      vigil: { refused: null, input: { safe: true }, output: { safe: true } },
    });
  });

  it('reports drafted tokens as usage.vigil_draft, only when the generator drafts', async () => {
    const backend = createScriptedBackend({ draft: { drafted: 5, accepted: 3, refuted: 2 } });
    const { generator } = await scriptedGenerator({ backend });
    const ask = { messages: [{ role: 'user', content: 'Describe the garden.' }] };
    const body = await (await post(createChatApp({ generator }), ask)).json();
    expect(body.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 7,
      total_tokens: 17,
      vigil_draft: { drafted_tokens: 5, accepted_tokens: 3, refuted_tokens: 2 },
    });
    const streamed = await events(
      await post(createChatApp({ generator }), {
        ...ask,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(streamed.at(-2)).toMatchObject({ usage: { vigil_draft: { accepted_tokens: 3 } } });
    const plain = await (await post(await appFor(), ask)).json();
    expect(plain.usage).not.toHaveProperty('vigil_draft');
  });

  it('streams chunks, a content_filter finish for a cut answer, usage and [DONE]', async () => {
    const response = await post(await appFor(), {
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = await events(response);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1);
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe(`Once upon a time. \n\n${refusal}`);
    expect(chunks.at(-2)).toMatchObject({
      choices: [{ finish_reason: 'content_filter' }],
      vigil: { refused: 'output', output: { safe: false, categories: ['S9'] } },
    });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 10 } });
  });

  it('refuses unsafe input with content_filter; shadow mode hides verdicts', async () => {
    type Completion = { choices: unknown[]; vigil?: unknown };
    const blocked = (await (
      await post(await appFor(), { messages: [{ role: 'user', content: 'a bomb' }] })
    ).json()) as Completion;
    expect(blocked.choices[0]).toMatchObject({
      message: { content: refusal },
      finish_reason: 'content_filter',
    });
    const shadow = (await (
      await post(await appFor('shadow'), { messages: [{ role: 'user', content: 'a bomb' }] })
    ).json()) as Completion;
    expect(shadow.choices[0]).toMatchObject({ message: { content: safeText }, finish_reason: 'stop' });
    expect(shadow.vigil).toBeUndefined();
  });

  it('answers bad requests with OpenAI-style errors', async () => {
    const app = await appFor();
    const missing = await post(app, { model: 'x' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "input",
          "message": "request body.messages: Invalid input: expected array, received undefined",
          "param": null,
          "type": "invalid_request_error",
        },
      }
    `);
    const tool = await post(app, { messages: [{ role: 'user', content: 'x' }], n: 2 });
    expect(tool.status).toBe(400);
    const notJson = await app.request('/v1/chat/completions', { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect((await app.request('/v1/nothing')).status).toBe(404);
  });

  it('refuses a body past maxBodyBytes with 413 from the one status table', async () => {
    const { generator } = await scriptedGenerator({});
    const app = createChatApp({ generator, maxBodyBytes: 64 });
    const big = await post(app, { messages: [{ role: 'user', content: 'x'.repeat(100) }] });
    expect(big.status).toBe(413);
    expect((await big.json()).error).toMatchObject({ code: 'input', type: 'invalid_request_error' });
    expect(() => createChatApp({ generator, maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
  });

  it('serves /v1/models and /healthz', async () => {
    const app = await appFor();
    expect(await (await app.request('/v1/models')).json()).toMatchObject({
      object: 'list',
      data: [{ id: 'scripted', object: 'model', owned_by: 'vigil' }],
    });
    expect(await (await app.request('/healthz')).json()).toMatchObject({
      status: 'ok',
      mode: 'block',
      memory: { generator: { modelBytes: 1, contextBytes: 2 } },
    });
  });
});

describe('createChatApp on a real server, with the openai client', () => {
  let server: ReturnType<typeof serve>;
  let client: OpenAI;
  beforeAll(async () => {
    const app = await appFor();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('non-streaming', async () => {
    const completion = await client.chat.completions.create({
      model: 'scripted',
      messages: [{ role: 'user', content: 'Describe the garden.' }],
    });
    expect(completion.choices[0]?.message.content).toBe(safeText);
    expect(completion.usage?.total_tokens).toBe(17);
  });

  it('streaming', async () => {
    const stream = await client.chat.completions.create({
      model: 'scripted',
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      stream: true,
    });
    let content = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(content).toBe(`Once upon a time. \n\n${refusal}`);
    expect(finish).toBe('content_filter');
  });

  it('maps errors to API errors', async () => {
    await expect(
      client.chat.completions.create({ model: 'scripted', messages: [{ role: 'assistant', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
