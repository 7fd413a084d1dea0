// Issue 4: the Hono and Express middleware on real servers (random loopback ports) with the
// hand-wired fixture guard, in front of a fake upstream LLM (plain JSON and SSE) scripted to
// answer safe or unsafe text. The fixture guard flags ` bomb` (S9), ` kill` (S1), ` racist` (S10)
// anywhere in the conversation.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createGuard, type Guard, moderateStream } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import type { VigilDecision, VigilOptions } from '@vigil/guard-middleware';
import { vigil as expressVigil } from '@vigil/guard-middleware/express';
import { vigil as honoVigil } from '@vigil/guard-middleware/hono';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ASK_UNSAFE,
  addFakeUpstream,
  addFakeUpstreamExpress,
  parseSse,
  SAFE_ANSWER,
  sseEvents,
  sseText,
  UNSAFE_ANSWER,
} from '../packages/guard-middleware/src/fake-upstream.fixture.js';
import { createTinyGuard } from './support/tiny-guard.js';

type Framework = 'hono' | 'express';
let guard: Guard;
const servers: Server[] = [];

beforeAll(async () => {
  guard = await createTinyGuard();
});
afterAll(async () => {
  await guard?.dispose();
});
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(server: Server) {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function start(framework: Framework, options: Partial<VigilOptions> | 'bare' = {}, chunkDelayMs = 0) {
  const decisions: VigilDecision[] = [];
  const all: VigilOptions = {
    guard,
    onDecision: (decision) => decisions.push(decision),
    ...(options === 'bare' ? {} : options),
  };
  const bare = options === 'bare';
  if (framework === 'hono') {
    const app = new Hono();
    if (!bare) app.use('*', honoVigil(all));
    addFakeUpstream(app, { chunkDelayMs });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    return { url: await listen(server), decisions };
  }
  const app = express();
  app.use(express.json());
  if (!bare) app.use(expressVigil(all));
  addFakeUpstreamExpress(app, { chunkDelayMs });
  return { url: await listen(app.listen(0, '127.0.0.1')), decisions };
}

/** The parts of reply bodies the tests read. */
interface ReplyBody {
  error?: { code?: string; message?: string; vigil?: { categories?: string[] } };
  choices?: Array<{ message: { content: string } }>;
}
const json = async (res: Response) => (await res.json()) as ReplyBody;

const chat = (content: string, extra: object = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content }], ...extra }),
});

const tail = (events: ReturnType<typeof parseSse>) =>
  events.slice(-3).map((event) => ({
    event: event.event ?? 'message',
    finish: (event.data as { choices?: Array<{ finish_reason?: string }> }).choices?.[0]?.finish_reason,
    code: (event.data as { error?: { code?: string } }).error?.code,
    done: event.data === '[DONE]',
  }));

const cutTail = [
  { event: 'message', finish: 'content_filter', code: undefined, done: false },
  { event: 'error', finish: undefined, code: 'content_filter', done: false },
  { event: 'message', finish: undefined, code: undefined, done: true },
];

describe.each(['hono', 'express'] as const)('%s middleware on the fixture guard', (framework) => {
  it('block: passes safe traffic, blocks unsafe requests and responses', async () => {
    const { url, decisions } = await start(framework);
    const safe = await fetch(`${url}/v1/chat/completions`, chat('What is the capital of France?'));
    expect(safe.status).toBe(200);
    expect(safe.headers.get('x-vigil-verdict')).toBe('safe');
    expect((await json(safe)).choices?.[0]?.message.content).toBe(SAFE_ANSWER);

    const request = await fetch(`${url}/v1/chat/completions`, chat('How do I build a bomb?'));
    expect(request.status).toBe(400);
    expect((await json(request)).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'content_filter',
      vigil: { role: 'user', categories: ['S9'] },
    });

    const response = await fetch(`${url}/v1/chat/completions`, chat(ASK_UNSAFE));
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain('bomb with');
    expect(JSON.parse(text).error.vigil).toMatchObject({ role: 'assistant', categories: ['S9'] });
    expect(decisions.map((decision) => `${decision.role}:${decision.action}`)).toEqual([
      'user:allow',
      'assistant:allow',
      'user:block',
      'user:allow',
      'assistant:block',
    ]);
  });

  it('annotate and shadow let unsafe traffic through', async () => {
    const annotate = await start(framework, { mode: 'annotate' });
    const res = await fetch(`${annotate.url}/v1/chat/completions`, chat('I will kill the lights'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vigil-verdict')).toBe('unsafe');
    expect(res.headers.get('x-vigil-categories')).toBe('S1');
    expect(Number(res.headers.get('x-vigil-score'))).toBeGreaterThan(0.5);

    const shadow = await start(framework, { mode: 'shadow' });
    const quiet = await fetch(`${shadow.url}/v1/chat/completions`, chat(ASK_UNSAFE));
    expect(quiet.status).toBe(200);
    expect(quiet.headers.get('x-vigil-verdict')).toBeNull();
    expect((await json(quiet)).choices?.[0]?.message.content).toBe(UNSAFE_ANSWER);
    expect(shadow.decisions.map((decision) => decision.action)).toEqual(['allow', 'flag']);
  });

  it('buffer stream: safe passes byte for byte; unsafe is cut before the trigger', async () => {
    const { url, decisions } = await start(framework);
    const safe = await fetch(`${url}/v1/chat/completions`, chat('Hello', { stream: true }));
    expect(await safe.text()).toBe(sseEvents(SAFE_ANSWER, 7, 'fake').join(''));

    const unsafe = await fetch(`${url}/v1/chat/completions`, chat(ASK_UNSAFE, { stream: true }));
    const events = parseSse(await unsafe.text());
    const text = sseText(events);
    expect(UNSAFE_ANSWER.startsWith(text)).toBe(true);
    expect(text).not.toContain(' bo');
    expect(tail(events)).toEqual(cutTail);
    expect(decisions.at(-1)).toMatchObject({ role: 'assistant', action: 'block', streamed: true });
  });

  it('progressive stream: forwards at once, then content_filter, error, [DONE]', async () => {
    const { url } = await start(framework, { streamStrategy: 'progressive' }, 5);
    const unsafe = await fetch(`${url}/v1/chat/completions`, chat(ASK_UNSAFE, { stream: true }));
    const events = parseSse(await unsafe.text());
    expect(sseText(events).length).toBeGreaterThan(0);
    expect(tail(events)).toEqual(cutTail);
    expect(events.filter((event) => event.data === '[DONE]')).toHaveLength(1);
  });

  it('fails closed or open with a guard that throws or hangs', async () => {
    const throwing = { classify: async () => Promise.reject(new Error('guard exploded')) };
    const hanging = { classify: () => new Promise<never>(() => {}) };
    const closed = await start(framework, { guard: hanging, timeoutMs: 100 });
    const refused = await fetch(`${closed.url}/v1/chat/completions`, chat('Hello'));
    expect(refused.status).toBe(503);
    expect((await json(refused)).error?.message).toMatch(/expected a verdict within 100 ms/);
    const open = await start(framework, { guard: throwing, failMode: 'open' });
    const passed = await fetch(`${open.url}/v1/chat/completions`, chat('Hello'));
    expect([passed.status, passed.headers.get('x-vigil-verdict')]).toEqual([200, 'error']);
    expect(open.decisions.map((decision) => decision.action)).toEqual(['fail-open', 'fail-open']);
  });

  it('malformed and oversized bodies never crash', async () => {
    const { url } = await start(framework, { maxBodyBytes: 2000 });
    const malformed = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"messages": [',
    });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    const big = await fetch(`${url}/v1/chat/completions`, chat('x'.repeat(5000)));
    expect(big.status).toBe(413);
    expect((await json(big)).error?.code).toBe('request_too_large');
  });

  it('50 concurrent requests share the guard with no cross-talk', async () => {
    // A long deadline: this is about isolation, not speed (the machine may be shared).
    const { url } = await start(framework, { timeoutMs: 110_000 });
    const triggers = [
      ['kill', 'S1'],
      ['bomb', 'S9'],
      ['racist', 'S10'],
      ['', undefined],
    ] as const;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        const [word, code] = triggers[index % triggers.length] as (typeof triggers)[number];
        const res = await fetch(
          `${url}/v1/chat/completions`,
          chat(`${framework} request ${index}: a ${word} question`),
        );
        const body = await json(res);
        return { code, status: res.status, categories: body.error?.vigil?.categories };
      }),
    );
    const wallMs = performance.now() - started;
    for (const result of results) {
      if (result.code) expect(result).toMatchObject({ status: 400, categories: [result.code] });
      else expect(result.status).toBe(200);
    }
    console.log(JSON.stringify({ framework, concurrentRequests: 50, wallMs: Math.round(wallMs) }));
  });

  it('measures the latency the middleware adds (printed, not asserted)', async () => {
    const guarded = await start(framework);
    const bare = await start(framework, 'bare');
    const time = async (url: string) => {
      const times: number[] = [];
      for (let index = 0; index < 10; index++) {
        const started = performance.now();
        const res = await fetch(
          `${url}/v1/chat/completions`,
          chat(`${framework}: what is ${index} plus ${index}?`),
        );
        await res.text();
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[5] as number;
    };
    const instant = await start(framework, { guard: await createGuard({ engine: createScriptedEngine() }) });
    const baseline = await time(bare.url);
    const overhead = await time(instant.url);
    const checked = await time(guarded.url);
    console.log(
      JSON.stringify({
        framework,
        medianMs: {
          baseline: baseline.toFixed(1),
          middlewareWithInstantGuard: overhead.toFixed(1),
          guardedBothSides: checked.toFixed(1),
        },
      }),
    );
  });
});

describe('the streaming moderator on the fixture guard', () => {
  async function* pieces(text: string, size: number) {
    for (let start = 0; start < text.length; start += size) yield text.slice(start, start + size);
  }
  const sentence = (index: number) => `Sentence number ${index} talks about the calm weather in the park. `;

  it('reuses the cache: each check evaluates about the new text plus the fixed tail (printed)', async () => {
    const answer = Array.from({ length: 20 }, (_, index) => sentence(index)).join('');
    const before = guard.stats().engine;
    let released = '';
    let summary: { checks: number; evaluatedTokens: number; blocked: boolean } | undefined;
    const conversation = [{ role: 'user', content: 'Tell me about the weather, at length.' }];
    for await (const piece of moderateStream(pieces(answer, 5), { guard, conversation })) {
      if (piece.type === 'text') released += piece.text;
      else summary = piece.summary;
    }
    const after = guard.stats().engine;
    expect(released).toBe(answer);
    expect(summary?.blocked).toBe(false);
    const delta = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
    console.log(
      JSON.stringify({
        streamedChars: answer.length,
        checks: summary?.checks,
        promptTokens: delta('promptTokens'),
        evaluatedTokens: delta('evaluatedTokens'),
        cachedTokens: delta('cachedTokens'),
      }),
    );
  });

  it('buffer: a trigger split across two pieces is never released', async () => {
    const conversation = [{ role: 'user', content: 'Tell me a story.' }];
    const source = (async function* () {
      yield 'Once there was a quiet farmer. He found a rusty bo';
      yield 'mb in the barn. Then he called the police.';
    })();
    let released = '';
    let blocked = false;
    for await (const piece of moderateStream(source, { guard, conversation, checkEvery: { tokens: 1 } })) {
      if (piece.type === 'text') released += piece.text;
      else blocked = piece.summary.blocked;
    }
    expect(blocked).toBe(true);
    expect(released).toBe('Once there was a quiet farmer. He found a rusty ');
  });
});
