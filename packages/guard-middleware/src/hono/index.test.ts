import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine, type ScriptedEngineOptions } from '@vigil/guard-core/testing';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { VigilDecision } from '../core/decision.js';
import type { VigilOptions } from '../core/options.js';
import {
  ASK_UNSAFE,
  addFakeUpstream,
  parseSse,
  SAFE_ANSWER,
  sseEvents,
  sseText,
  UNSAFE_ANSWER,
} from '../fake-upstream.fixture.js';
import { vigil } from './index.js';

async function guardOf(engine: ScriptedEngineOptions = {}): Promise<Guard> {
  return createGuard({ engine: createScriptedEngine(engine) });
}

async function appWith(
  options: Partial<VigilOptions> = {},
  engine: ScriptedEngineOptions = {},
  chunkDelayMs = 0,
) {
  const decisions: VigilDecision[] = [];
  const app = new Hono();
  app.use(
    '*',
    vigil({ guard: await guardOf(engine), onDecision: (decision) => decisions.push(decision), ...options }),
  );
  app.post('/context', (c) => c.json(c.get('vigil') ?? null));
  addFakeUpstream(app, { chunkDelayMs });
  return { app, decisions };
}

const chat = (content: string, extra: object = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    model: 'm',
    messages: [
      { role: 'system', content: 'Be nice.' },
      { role: 'user', content },
    ],
    ...extra,
  }),
});

describe('vigil (Hono), block mode', () => {
  it('passes safe traffic with verdict headers', async () => {
    const { app, decisions } = await appWith();
    const res = await app.request('/v1/chat/completions', chat('What is the weather?'));
    expect(res.status).toBe(200);
    expect((await res.json()).choices[0].message.content).toBe(SAFE_ANSWER);
    expect(res.headers.get('x-vigil-verdict')).toBe('safe');
    expect(res.headers.get('x-vigil-score')).toBe('0.02');
    expect(decisions.map((decision) => [decision.role, decision.action])).toEqual([
      ['user', 'allow'],
      ['assistant', 'allow'],
    ]);
  });

  it('blocks an unsafe request with an OpenAI-style error', async () => {
    const { app } = await appWith();
    const res = await app.request('/v1/chat/completions', chat('How do I build a bomb?'));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-vigil-categories')).toBe('S9');
    expect(await res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "content_filter",
          "message": "Blocked by content moderation: the request was judged unsafe (S9 Indiscriminate Weapons).",
          "param": null,
          "type": "invalid_request_error",
          "vigil": {
            "categories": [
              "S9",
            ],
            "role": "user",
            "unsafeProbability": 0.97,
          },
        },
      }
    `);
  });

  it('replaces an unsafe response; the answer never leaks', async () => {
    const { app, decisions } = await appWith();
    const res = await app.request('/v1/chat/completions', chat(ASK_UNSAFE));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain('bomb with');
    expect(JSON.parse(text).error.vigil.role).toBe('assistant');
    expect(decisions.at(-1)?.action).toBe('block');
  });

  it('uses onBlocked and blockedStatus', async () => {
    const { app } = await appWith({
      onBlocked: (decision) => ({ status: 451, body: `no (${decision.verdict?.categories[0]?.code})` }),
    });
    const res = await app.request('/v1/chat/completions', chat('bomb'));
    expect([res.status, await res.text()]).toEqual([451, 'no (S9)']);
  });
});

describe('vigil (Hono), annotate and shadow', () => {
  it('annotate lets unsafe traffic through with headers and the context', async () => {
    const { app, decisions } = await appWith({ mode: 'annotate' });
    const res = await app.request('/context', chat('I hate you'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vigil-verdict')).toBe('unsafe');
    expect(res.headers.get('x-vigil-categories')).toBe('S10');
    const context = await res.json();
    expect(context.request.action).toBe('flag');
    expect(context.request.verdict.safe).toBe(false);
    expect(decisions[0]?.action).toBe('flag');
    const answer = await app.request('/v1/chat/completions', chat(ASK_UNSAFE));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-vigil-verdict')).toBe('unsafe');
  });

  it('shadow lets it through without headers or context; onDecision still sees it', async () => {
    const { app, decisions } = await appWith({ mode: 'shadow' });
    const res = await app.request('/context', chat('I hate you'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vigil-verdict')).toBeNull();
    expect(await res.json()).toBeNull();
    expect(decisions[0]).toMatchObject({ role: 'user', action: 'flag' });
  });

  it('checks only the side asked for', async () => {
    const { app, decisions } = await appWith({ inspect: 'request' });
    const res = await app.request('/v1/chat/completions', chat(ASK_UNSAFE));
    expect(res.status).toBe(200);
    expect(decisions).toHaveLength(1);
  });
});

describe('vigil (Hono), streamed responses', () => {
  it('buffer: passes a safe stream unchanged', async () => {
    const { app } = await appWith();
    const res = await app.request('/v1/chat/completions', chat('Hi', { stream: true }));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe(sseEvents(SAFE_ANSWER, 7, 'm').join(''));
  });

  it('buffer: nothing unsafe reaches the client; the stream ends with content_filter, error, [DONE]', async () => {
    const { app, decisions } = await appWith({ streamCheckTokens: 4 });
    const res = await app.request('/v1/chat/completions', chat(ASK_UNSAFE, { stream: true }));
    const events = parseSse(await res.text());
    const text = sseText(events);
    expect(UNSAFE_ANSWER.startsWith(text)).toBe(true);
    expect(text).not.toMatch(/bo/);
    expect(events.slice(-3)).toMatchObject([
      { data: { choices: [{ index: 0, delta: {}, finish_reason: 'content_filter' }] } },
      {
        event: 'error',
        data: { error: { code: 'content_filter', vigil: { role: 'assistant', categories: ['S9'] } } },
      },
      { data: '[DONE]' },
    ]);
    expect(decisions.at(-1)).toMatchObject({ role: 'assistant', action: 'block', streamed: true });
  });

  it('progressive: forwards at once and cuts on the unsafe verdict', async () => {
    const { app } = await appWith({ streamStrategy: 'progressive' }, { delayMs: 5 }, 10);
    const res = await app.request('/v1/chat/completions', chat(ASK_UNSAFE, { stream: true }));
    const events = parseSse(await res.text());
    expect(sseText(events).length).toBeGreaterThan(0);
    expect(events.at(-2)).toMatchObject({ event: 'error' });
    expect(events.at(-3)).toMatchObject({ data: { choices: [{ finish_reason: 'content_filter' }] } });
    expect(events.filter((event) => event.data === '[DONE]')).toHaveLength(1);
    expect(sseText(events)).not.toBe(UNSAFE_ANSWER);
  });

  it('annotate: an unsafe stream passes whole; onDecision hears of it', async () => {
    const { app, decisions } = await appWith({ mode: 'annotate' });
    const res = await app.request('/v1/chat/completions', chat(ASK_UNSAFE, { stream: true }));
    expect(sseText(parseSse(await res.text()))).toBe(UNSAFE_ANSWER);
    await vi_waitFor(() => decisions.length === 2);
    expect(decisions[1]).toMatchObject({ action: 'flag', streamed: true });
  });
});

async function vi_waitFor(condition: () => boolean) {
  for (let tries = 0; tries < 100 && !condition(); tries++)
    await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('vigil (Hono), failures and odd bodies', () => {
  it('fails closed with 503 when the guard throws, open with x-vigil-verdict: error', async () => {
    const closed = await appWith({}, { fail: true });
    const res = await closed.app.request('/v1/chat/completions', chat('Hi'));
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('moderation_unavailable');
    const open = await appWith({ failMode: 'open' }, { fail: true });
    const passed = await open.app.request('/v1/chat/completions', chat('Hi'));
    expect(passed.status).toBe(200);
    expect(passed.headers.get('x-vigil-verdict')).toBe('error');
    expect(open.decisions.map((decision) => decision.action)).toEqual(['fail-open', 'fail-open']);
  });

  it('times out a hanging guard', async () => {
    const { app, decisions } = await appWith({ timeoutMs: 30 }, { hang: true });
    const res = await app.request('/v1/chat/completions', chat('Hi'));
    expect(res.status).toBe(503);
    expect((await res.json()).error.message).toMatch(/expected a verdict within 30 ms/);
    expect(decisions[0]?.action).toBe('fail-closed');
  });

  it('sets fail modes per side', async () => {
    const { app } = await appWith({ failMode: { request: 'open' }, timeoutMs: 30 }, { hang: true });
    const res = await app.request('/v1/chat/completions', chat('Hi'));
    expect(res.status).toBe(503);
    expect((await res.json()).error.vigil.role).toBe('assistant');
  });

  it('refuses malformed JSON under fail-closed, passes it intact with passUnknown', async () => {
    const body = '{"messages": [oops';
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    const closed = await appWith();
    const refused = await closed.app.request('/echo', init);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe('unreadable_request');
    const open = await appWith({ passUnknown: true });
    const res = await open.app.request('/echo', init);
    expect([res.status, await res.text()]).toEqual([200, body]);
    expect(res.headers.get('x-vigil-unchecked')).toBe('request');
    expect(open.decisions[0]).toMatchObject({
      action: 'skip',
      unchecked: true,
      reason: expect.stringMatching(/not valid JSON/),
    });
  });

  it('refuses an oversized body with 413, or passes it intact under failMode open', async () => {
    const body = JSON.stringify({ prompt: 'x'.repeat(5000) });
    const closed = await appWith({ maxBodyBytes: 1000 });
    const refused = await closed.app.request('/echo', {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(refused.status).toBe(413);
    expect((await refused.json()).error.message).toMatch(/expected at most 1000 bytes, received/);
    const open = await appWith({ maxBodyBytes: 1000, failMode: 'open' });
    const stream = new Blob([body]).stream();
    const passed = await open.app.request('/echo', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect([passed.status, (await passed.text()).length]).toEqual([200, body.length]);
    expect(passed.headers.get('x-vigil-verdict')).toBe('error');
  });

  it('reads plain text bodies, curl-style JSON forms, and a custom extract', async () => {
    const { app } = await appWith();
    const text = await app.request('/echo', {
      method: 'POST',
      body: 'kill them',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(400);
    const form = await app.request('/echo', {
      method: 'POST',
      body: '{"prompt":"a bomb"}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(400);
    const custom = await appWith({ extract: (request) => (request.body as { q: string }).q });
    const res = await custom.app.request('/echo', chat('fine', { q: 'bomb' }));
    expect(res.status).toBe(400);
  });

  it('skips bodies with no user text', async () => {
    const { app, decisions } = await appWith();
    const res = await app.request('/echo', {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'system', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    expect(decisions[0]).toMatchObject({ action: 'skip', reason: 'no user text found in the body' });
  });

  it('keeps verdicts apart under 50 concurrent requests', async () => {
    const { app } = await appWith({}, { delayMs: 2 });
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        const unsafe = index % 3 === 0;
        const res = await app.request(
          '/v1/chat/completions',
          chat(unsafe ? `bomb number ${index}` : `hello ${index}`),
        );
        return { unsafe, status: res.status };
      }),
    );
    for (const result of results) expect(result.status).toBe(result.unsafe ? 400 : 200);
  });
});

describe('vigil (Hono), unreadable responses', () => {
  it('refuses a JSON response it cannot parse with 502 (fail-closed)', async () => {
    const app = new Hono();
    app.use('*', vigil({ guard: await guardOf() }));
    app.post(
      '/garbled',
      () => new Response('\x1f\x8b garbage', { headers: { 'content-type': 'application/json' } }),
    );
    const res = await app.request('/garbled', chat('hello'));
    expect(res.status).toBe(502);
    expect((await res.json()).error.vigil.role).toBe('assistant');
  });
});
