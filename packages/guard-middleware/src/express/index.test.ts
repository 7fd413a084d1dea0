import type { AddressInfo } from 'node:net';
import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine, type ScriptedEngineOptions } from '@vigil/guard-core/testing';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import type { VigilDecision } from '../core/decision.js';
import type { VigilOptions } from '../core/options.js';
import {
  ASK_UNSAFE,
  addFakeUpstreamExpress,
  parseSse,
  SAFE_ANSWER,
  sseText,
  UNSAFE_ANSWER,
} from '../fake-upstream.fixture.js';
import { vigil } from './index.js';

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Express 5 and Express 4 (the `express4` alias), both tested. */
const versions = { 5: express, 4: express4 as unknown as typeof express } as const;

async function serveOn(
  version: 4 | 5,
  options: Partial<VigilOptions> = {},
  engine: ScriptedEngineOptions = {},
  setup: { parseFirst?: boolean; chunkDelayMs?: number } = {},
) {
  const decisions: VigilDecision[] = [];
  const app = versions[version]();
  if (setup.parseFirst) app.use(versions[version].json());
  const guard = await createGuard({ engine: createScriptedEngine(engine) });
  app.use(vigil({ guard, onDecision: (decision) => decisions.push(decision), ...options }));
  app.post('/context', (req, res) => {
    res.json({ locals: res.locals.vigil ?? null, req: req.vigil?.request?.action ?? null });
  });
  addFakeUpstreamExpress(app, { chunkDelayMs: setup.chunkDelayMs });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, decisions };
}

const chat = (content: string, extra: object = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content }], ...extra }),
});

describe.each([5, 4] as const)('vigil (Express %i, real server)', (version) => {
  const serve = (...args: Parameters<typeof serveOn> extends [unknown, ...infer Rest] ? Rest : never) =>
    serveOn(version, ...args);
  for (const parseFirst of [false, true]) {
    it(`blocks unsafe requests and responses, passes safe ones (express.json() ${parseFirst ? 'before' : 'after'})`, async () => {
      const { url } = await serve({}, {}, { parseFirst });
      const safe = await fetch(`${url}/v1/chat/completions`, chat('Hello'));
      expect(safe.status).toBe(200);
      expect(safe.headers.get('x-vigil-verdict')).toBe('safe');
      expect((await safe.json()).choices[0].message.content).toBe(SAFE_ANSWER);
      const request = await fetch(`${url}/v1/chat/completions`, chat('kill'));
      expect(request.status).toBe(400);
      expect((await request.json()).error.vigil).toEqual({
        role: 'user',
        categories: ['S1'],
        unsafeProbability: 0.97,
      });
      const response = await fetch(`${url}/v1/chat/completions`, chat(ASK_UNSAFE));
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).not.toContain('bomb with');
      expect(JSON.parse(text).error.code).toBe('content_filter');
    });
  }

  it('annotates: headers, res.locals.vigil and req.vigil', async () => {
    const { url } = await serve({ mode: 'annotate' });
    const res = await fetch(`${url}/context`, chat('I hate it'));
    expect(res.headers.get('x-vigil-verdict')).toBe('unsafe');
    const body = await res.json();
    expect(body.locals.request.verdict.categories[0].code).toBe('S10');
    expect(body.req).toBe('flag');
  });

  it('shadow: no headers, no locals, onDecision only', async () => {
    const { url, decisions } = await serve({ mode: 'shadow' });
    const res = await fetch(`${url}/context`, chat('I hate it'));
    expect(res.headers.get('x-vigil-verdict')).toBeNull();
    expect(await res.json()).toEqual({ locals: null, req: null });
    expect(decisions[0]?.action).toBe('flag');
  });

  it('buffer streams: the unsafe word never reaches the client', async () => {
    const { url } = await serve({ streamCheckTokens: 4 });
    const res = await fetch(`${url}/v1/chat/completions`, chat(ASK_UNSAFE, { stream: true }));
    const events = parseSse(await res.text());
    expect(sseText(events)).not.toMatch(/bo/);
    expect(
      events.slice(-3).map((event) => event.event ?? (event.data === '[DONE]' ? 'done' : 'chunk')),
    ).toEqual(['chunk', 'error', 'done']);
  });

  it('progressive streams: forwards, then cuts', async () => {
    const { url } = await serve({ streamStrategy: 'progressive' }, { delayMs: 5 }, { chunkDelayMs: 10 });
    const res = await fetch(`${url}/v1/chat/completions`, chat(ASK_UNSAFE, { stream: true }));
    const events = parseSse(await res.text());
    expect(sseText(events)).not.toBe(UNSAFE_ANSWER);
    expect(events.at(-2)).toMatchObject({ event: 'error', data: { error: { code: 'content_filter' } } });
  });

  it('safe streams pass unchanged', async () => {
    const { url } = await serve({}, {}, { parseFirst: true });
    const res = await fetch(`${url}/v1/chat/completions`, chat('hi', { stream: true }));
    expect(sseText(parseSse(await res.text()))).toBe(SAFE_ANSWER);
  });

  it('fails closed (503) or open (x-vigil-verdict: error)', async () => {
    const closed = await serve({ timeoutMs: 30 }, { hang: true });
    expect((await fetch(`${closed.url}/v1/chat/completions`, chat('hi'))).status).toBe(503);
    const open = await serve({ failMode: 'open' }, { fail: true });
    const res = await fetch(`${open.url}/v1/chat/completions`, chat('hi'));
    expect([res.status, res.headers.get('x-vigil-verdict')]).toEqual([200, 'error']);
  });

  it('passes malformed JSON and oversized bodies (fail-open) to the handler intact', async () => {
    const { url } = await serve({ maxBodyBytes: 1000, failMode: 'open' });
    const bad = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(await bad.text()).toBe('{oops');
    const big = 'y'.repeat(100_000);
    const res = await fetch(`${url}/echo`, {
      method: 'POST',
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect((await res.text()).length).toBe(big.length);
    const closed = await serve({ maxBodyBytes: 1000 });
    expect((await fetch(`${closed.url}/echo`, { method: 'POST', body: big })).status).toBe(413);
  });
});

it('aborts the pending check when the client disconnects', async () => {
  const decisions: VigilDecision[] = [];
  const app = express();
  const guard = await createGuard({ engine: createScriptedEngine({ hang: true }) });
  app.use(vigil({ guard, timeoutMs: 60_000, onDecision: (decision) => decisions.push(decision) }));
  addFakeUpstreamExpress(app);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  const controller = new AbortController();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  const pending = fetch(url, { ...chat('hello'), signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 100));
  controller.abort();
  await expect(pending).rejects.toThrow();
  for (let tries = 0; tries < 50 && decisions.length === 0; tries++)
    await new Promise((r) => setTimeout(r, 10));
  expect(decisions[0]).toMatchObject({ action: 'skip', reason: 'the client disconnected' });
});
