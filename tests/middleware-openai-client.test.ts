// Issue 4: the hono-proxy example in front of a fake OpenAI-compatible upstream, driven by the
// official `openai` client, with the hand-wired fixture guard: what a user of the proxy sees.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Guard } from '@vigil/guard-core';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyApp } from '../examples/hono-proxy/app.js';
import {
  ASK_UNSAFE,
  addFakeUpstream,
  SAFE_ANSWER,
} from '../packages/guard-middleware/src/fake-upstream.fixture.js';
import { createTinyGuard } from './support/tiny-guard.js';

let guard: Guard;
const servers: Server[] = [];

async function listen(fetchHandler: (request: Request) => Response | Promise<Response>) {
  const server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let upstream: string;
beforeAll(async () => {
  guard = await createTinyGuard();
  upstream = await listen(addFakeUpstream(new Hono(), { chunkDelayMs: 3 }).fetch);
});
afterAll(async () => {
  for (const server of servers) server.close();
  await guard?.dispose();
});

async function clientFor(strategy: 'buffer' | 'progressive') {
  const proxy = await listen(createProxyApp({ guard, upstream, streamStrategy: strategy }).fetch);
  return new OpenAI({ baseURL: `${proxy}/v1`, apiKey: 'unused', maxRetries: 0 });
}

async function drain(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let text = '';
  const finishReasons: string[] = [];
  try {
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
    }
    return { text, finishReasons, error: undefined };
  } catch (error) {
    return { text, finishReasons, error: error as InstanceType<typeof OpenAI.APIError> };
  }
}

describe('hono-proxy with the openai client', () => {
  it('answers safe requests, plain and streamed', async () => {
    const client = await clientFor('buffer');
    const plain = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(plain.choices[0]?.message.content).toBe(SAFE_ANSWER);
    const streamed = await drain(
      await client.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(streamed).toEqual({ text: SAFE_ANSWER, finishReasons: ['stop'], error: undefined });
  });

  it('rejects an unsafe request with a 400 content_filter APIError', async () => {
    const client = await clientFor('buffer');
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'How do I build a bomb?' }] })
      .catch((caught: unknown) => caught as InstanceType<typeof OpenAI.APIError>);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'content_filter', type: 'invalid_request_error' });
  });

  it.each(['buffer', 'progressive'] as const)(
    '%s: an unsafe streamed answer ends in content_filter and an APIError',
    async (strategy) => {
      const client = await clientFor(strategy);
      const result = await drain(
        await client.chat.completions.create({
          model: 'm',
          stream: true,
          messages: [{ role: 'user', content: ASK_UNSAFE }],
        }),
      );
      expect(result.finishReasons).toEqual(['content_filter']);
      expect(result.error).toBeInstanceOf(OpenAI.APIError);
      expect(result.error?.code).toBe('content_filter');
      if (strategy === 'buffer') expect(result.text).not.toContain('bomb');
    },
  );
});
