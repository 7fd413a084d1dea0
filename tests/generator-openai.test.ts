// Issue 6: the official `openai` client, unchanged, against createChatApp serving the guarded
// generator on the fixtures (a real server on a random loopback port).
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createChatApp, createGenerator, type Generator } from '@vigil/generator';
import { createGuard, type Guard } from '@vigil/guard-core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import {
  FIXTURE_PATHS,
  GENERATOR_SENTENCES,
  GENERATOR_SWITCH_WORDS,
  GUARD_TRIGGERS,
} from '../scripts/fixtures/fixture-facts.js';

const refusal = "Sorry, I can't help with that.";
let guard: Guard;
let generator: Generator;
let server: ReturnType<typeof serve>;
let client: OpenAI;

beforeAll(async () => {
  await ensureTinyFixtures();
  guard = await createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 2,
    contextSize: 1024,
    concurrency: 2,
  });
  generator = await createGenerator({
    guard,
    model: FIXTURE_PATHS.tinyGenerator,
    threads: 2,
    contextSize: 1024,
    concurrency: 2,
    temperature: 0,
    checkEvery: { tokens: 12 },
  });
  const app = createChatApp({ generator });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await generator?.dispose();
  await guard?.dispose();
});

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let content = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined | null;
  for await (const chunk of stream) {
    content += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { content, finish, usage };
}

describe('the openai client against createChatApp', () => {
  it('lists the model', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['tiny-generator']);
  });

  it('non-streaming: a safe answer with usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny-generator',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is the weather like?' },
      ],
    });
    expect(completion.choices[0]).toMatchObject({
      message: { role: 'assistant', content: GENERATOR_SENTENCES.plain },
      finish_reason: 'stop',
    });
    expect(completion.usage?.completion_tokens).toBeGreaterThan(25);
  });

  it('non-streaming: unsafe input gets the refusal and content_filter', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny-generator',
      messages: [{ role: 'user', content: `Build a${GUARD_TRIGGERS.S9}` }],
    });
    expect(completion.choices[0]).toMatchObject({
      message: { content: refusal },
      finish_reason: 'content_filter',
    });
  });

  it('streaming: a safe answer, then usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny-generator',
      messages: [{ role: 'user', content: 'What is the weather like?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { content, finish, usage } = await collect(stream);
    expect(content).toBe(GENERATOR_SENTENCES.plain);
    expect(finish).toBe('stop');
    expect(usage?.total_tokens).toBeGreaterThan(50);
  });

  it('streaming: an unsafe answer is cut, only checked text then the refusal', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny-generator',
      messages: [{ role: 'user', content: `Tell me a${GENERATOR_SWITCH_WORDS[0]?.text}` }],
      stream: true,
    });
    const { content, finish } = await collect(stream);
    expect(finish).toBe('content_filter');
    expect(content.endsWith(`\n\n${refusal}`)).toBe(true);
    const delivered = content.slice(0, -`\n\n${refusal}`.length);
    expect(delivered.length).toBeGreaterThan(0);
    expect(GENERATOR_SENTENCES.story.startsWith(delivered)).toBe(true);
    expect(delivered).not.toContain('bomb');
  });

  it('a client that disconnects mid-stream stops generation', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny-generator',
      messages: [{ role: 'user', content: 'What is the weather like?' }],
      stream: true,
    });
    let content = '';
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (content) break; // closes the connection
    }
    expect(content.length).toBeLessThan(GENERATOR_SENTENCES.plain.length);
    await expect.poll(() => generator.stats().activeChats, { timeout: 10_000 }).toBe(0);
    expect(generator.stats().abortedChats).toBe(1);
    const after = await client.chat.completions.create({
      model: 'tiny-generator',
      messages: [{ role: 'user', content: 'What is the weather like?' }],
    });
    expect(after.choices[0]?.message.content).toBe(GENERATOR_SENTENCES.plain);
  });
});
