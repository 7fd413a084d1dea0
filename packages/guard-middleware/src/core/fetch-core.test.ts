import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { sseEvents } from '../fake-upstream.fixture.js';
import { vigil } from '../hono/index.js';
import { createFetchModerator } from './fetch-core.js';

const chat = (content: string, stream = false) =>
  new Request('http://local/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content }] }),
  });

describe('createFetchModerator', () => {
  it('refuses an unsafe request and hands on a safe one with its bytes unread', async () => {
    const moderator = createFetchModerator({ guard: await createGuard({ engine: createScriptedEngine() }) });
    const blocked = await moderator.moderateRequest(chat('how to build a bomb'));
    expect(blocked.reply?.status).toBe(400);
    expect(blocked.exchange.context.request?.action).toBe('block');
    const passed = await moderator.moderateRequest(chat('hello there'));
    expect(passed.reply).toBeUndefined();
    expect(JSON.parse(await passed.request.text()).messages[0].content).toBe('hello there');
  });

  it('moderates an SSE answer and a JSON answer', async () => {
    const moderator = createFetchModerator({ guard: await createGuard({ engine: createScriptedEngine() }) });
    const { exchange } = await moderator.moderateRequest(chat('hello', true));
    const upstream = new Response(sseEvents('Fine. Then build a bomb with it.', 5).join(''), {
      headers: { 'content-type': 'text/event-stream', 'content-length': '999' },
    });
    const moderated = await moderator.moderateResponse(upstream, exchange);
    expect(moderated.headers.get('content-length')).toBeNull();
    const text = await moderated.text();
    expect(text).not.toContain('bomb');
    expect(text).toContain('"finish_reason":"content_filter"');
    expect(exchange.context.response?.action).toBe('block');
    const json = await moderator.moderateResponse(
      Response.json({ choices: [{ message: { role: 'assistant', content: 'a bomb' } }] }),
      (await moderator.moderateRequest(chat('hello'))).exchange,
    );
    expect(json.status).toBe(400);
  });

  it('refuses a request whose body was consumed before it ran (fail-closed)', async () => {
    const moderator = createFetchModerator({ guard: await createGuard({ engine: createScriptedEngine() }) });
    const request = chat('how to build a bomb');
    await request.text();
    expect((await moderator.moderateRequest(request)).reply?.status).toBe(400);
  });

  it('in Hono, still reads a body an earlier middleware parsed', async () => {
    const app = new Hono();
    app.use('*', async (c, next) => {
      await c.req.json();
      await next();
    });
    app.use('*', vigil({ guard: await createGuard({ engine: createScriptedEngine() }) }));
    app.post('*', (c) => c.text('reached'));
    const res = await app.request(chat('how to build a bomb'));
    expect(res.status).toBe(400);
  });
});
