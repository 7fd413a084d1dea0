import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { completion, SAFE_ANSWER, UNSAFE_ANSWER } from '../fake-upstream.fixture.js';
import { createFetchModerator } from './fetch-core.js';
import { moderateNodeRequest, writeReply } from './node-bridge.js';
import type { VigilOptions } from './options.js';

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A plain node:http server: the bridge, then `handler` (no framework). */
async function serve(handler: Handler, options: Partial<VigilOptions> = {}) {
  const guard = await createGuard({ engine: createScriptedEngine() });
  const moderator = createFetchModerator({ guard, ...options });
  const calls: string[] = [];
  const server = createServer(async (req, res) => {
    const { reply } = await moderateNodeRequest(moderator, req, res);
    if (reply) return writeReply(res, reply);
    calls.push(req.url ?? '');
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

/** Echoes the raw request bytes it reads from the stream. */
const echo: Handler = async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  res.writeHead(200, ['content-type', 'text/plain']);
  res.end(Buffer.concat(chunks));
};

const chat = (content: string) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] });

it('replies instead of calling the handler when the request is unsafe', async () => {
  const { url, calls } = await serve(echo);
  const res = await fetch(`${url}/v1/chat/completions?x=1`, { method: 'POST', body: chat('kill') });
  expect(res.status).toBe(400);
  expect(res.headers.get('x-vigil-verdict')).toBe('unsafe');
  expect((await res.json()).error.vigil.categories).toEqual(['S1']);
  expect(calls).toEqual([]);
});

it('puts the read body back for the handler, past the limit too (fail-open)', async () => {
  const { url, calls } = await serve(echo, { maxBodyBytes: 1000, failMode: 'open' });
  const safe = await fetch(`${url}/v1/chat/completions?x=1`, { method: 'POST', body: chat('Hello') });
  expect([safe.status, safe.headers.get('x-vigil-verdict')]).toEqual([200, 'safe']);
  expect(await safe.text()).toBe(chat('Hello'));
  const big = 'y'.repeat(100_000);
  const streamed = await fetch(`${url}/echo`, {
    method: 'POST',
    body: new Blob([big]).stream(),
    duplex: 'half',
  } as RequestInit);
  expect(await streamed.text()).toBe(big);
  expect(calls).toEqual(['/v1/chat/completions?x=1', '/echo']);
});

it('checks what the handler writes, whichever way writeHead is called', async () => {
  const ended: string[] = [];
  const answers: Record<string, Handler> = {
    '/flat': (_, res) => {
      res.writeHead(200, ['content-type', 'application/json', 'x-handler', 'flat']);
      res.end(JSON.stringify(completion(SAFE_ANSWER)));
    },
    '/pairs': (_, res) => {
      const text = JSON.stringify(completion(UNSAFE_ANSWER));
      res.writeHead(200, 'OK', [
        ['content-type', 'application/json'],
        ['x-handler', 'pairs'],
      ]);
      res.write(text.slice(0, 20));
      res.end(text.slice(20), () => ended.push('/pairs'));
    },
    '/bytes': (_, res) => {
      res.writeHead(404, 'Not Here', { 'content-type': 'text/html', 'x-handler': 'bytes' });
      res.end('<p>bomb</p>');
    },
  };
  const { url } = await serve((req, res) => answers[req.url ?? '']?.(req, res));
  const post = (path: string) => fetch(`${url}${path}`, { method: 'POST', body: chat('Hello') });

  const flat = await post('/flat');
  expect([flat.status, flat.headers.get('x-handler'), flat.headers.get('x-vigil-verdict')]).toEqual([
    200,
    'flat',
    'safe',
  ]);
  expect((await flat.json()).choices[0].message.content).toBe(SAFE_ANSWER);

  // A blocked answer replaces the handler's status and headers.
  const pairs = await post('/pairs');
  const text = await pairs.text();
  expect([pairs.status, pairs.statusText, pairs.headers.get('x-handler')]).toEqual([
    400,
    'Bad Request',
    null,
  ]);
  expect(text).not.toContain('bomb');
  expect(JSON.parse(text).error.code).toBe('content_filter');
  await vi.waitFor(() => expect(ended).toEqual(['/pairs']));

  // Not a 2xx: the core does not read it; status, message, headers and bytes pass as written.
  const bytes = await post('/bytes');
  expect([bytes.status, bytes.statusText, bytes.headers.get('x-handler')]).toEqual([
    404,
    'Not Here',
    'bytes',
  ]);
  expect(await bytes.text()).toBe('<p>bomb</p>');
});
