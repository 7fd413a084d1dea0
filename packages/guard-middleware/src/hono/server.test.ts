import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Guard } from '@vigil/guard-core';
import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { Hono } from 'hono';
import { expect, it } from 'vitest';
import type { VigilDecision } from '../core/decision.js';
import { ASK_UNSAFE, addFakeUpstream, parseSse, sseText } from '../fake-upstream.fixture.js';
import { vigil } from './index.js';

async function start(guard: Pick<Guard, 'classify'>, decisions: VigilDecision[]) {
  const app = new Hono();
  app.use('*', vigil({ guard, timeoutMs: 60_000, onDecision: (decision) => decisions.push(decision) }));
  addFakeUpstream(app, { chunkDelayMs: 2 });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const body = (content: string, stream = false) =>
  JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content }] });

it('aborts the pending check when the client disconnects (real server)', async () => {
  const guard = await createGuard({ engine: createScriptedEngine({ hang: true }) });
  const signals: AbortSignal[] = [];
  const decisions: VigilDecision[] = [];
  const { server, url } = await start(
    {
      classify: (input, options) => {
        if (options?.signal) signals.push(options.signal);
        return guard.classify(input, options);
      },
    },
    decisions,
  );
  const controller = new AbortController();
  const pending = fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    body: body('hi'),
    signal: controller.signal,
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  controller.abort();
  await expect(pending).rejects.toThrow();
  for (let tries = 0; tries < 50 && decisions.length === 0; tries++)
    await new Promise((r) => setTimeout(r, 10));
  expect(signals[0]?.aborted).toBe(true);
  expect(decisions[0]).toMatchObject({ action: 'skip', reason: 'the client disconnected' });
  server.close();
});

it('moderates a stream through @hono/node-server', async () => {
  const decisions: VigilDecision[] = [];
  const { server, url } = await start(await createGuard({ engine: createScriptedEngine() }), decisions);
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: body(ASK_UNSAFE, true) });
  const events = parseSse(await res.text());
  expect(sseText(events)).not.toContain('bomb');
  expect(events.at(-2)?.event).toBe('error');
  server.close();
});
