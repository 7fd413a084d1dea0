// Issue 24 items 12, 13, 15: `vigil serve` as an attacker meets it. The service app on a real
// loopback server with guard-core's scripted engine (` bomb` S9), in front of an upstream that
// records what reaches it; and the built `vigil serve` process once, for the peer address.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import {
  createModerationApp,
  type ModerationAppOptions,
  type ModerationServer,
  startModerationServer,
} from '@vigil/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';
import { buildCliOnce } from './support/vigil-cli.js';

const KEY = 'vigil-test-key-8f3a';
let guard: Guard;
const servers: ModerationServer[] = [];

/** An OpenAI-shaped upstream that records each request's headers; answers wait for `hold` when set. */
interface Upstream {
  url: string;
  seen: IncomingHttpHeaders[];
  /** Answers wait until this resolves (set it to hold them). */
  hold: Promise<void> | undefined;
  /** Extra response headers. */
  headers: Record<string, string>;
  /** Stream the answer as SSE, kept open until `streamHold` resolves. */
  slowStream: boolean;
  streamHold: Promise<void> | undefined;
  server: Server;
}

async function startUpstream(): Promise<Upstream> {
  const upstream: Upstream = {
    url: '',
    seen: [],
    hold: undefined,
    headers: {},
    slowStream: false,
    streamHold: undefined,
    server: createServer(async (request, response) => {
      for await (const _ of request);
      upstream.seen.push(request.headers);
      await upstream.hold;
      if (upstream.slowStream) {
        // 60 chunks at once, then the stream stays open until `hold` (set by the test) resolves.
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = {
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { content: 'calm day. ' } }],
        };
        for (let index = 0; index < 60; index++) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
        await upstream.streamHold;
        response.end('data: [DONE]\n\n');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', ...upstream.headers });
      response.end(
        JSON.stringify({
          object: 'chat.completion',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'A calm day.' }, finish_reason: 'stop' },
          ],
        }),
      );
    }),
  };
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  return upstream;
}

async function serveApp(options: Partial<ModerationAppOptions>) {
  const app = createModerationApp({ guard, processMetrics: false, ...options });
  const server = await startModerationServer(app.fetch, { port: 0, host: '127.0.0.1' });
  servers.push(server);
  return server.url;
}

const chat = { model: 'm', messages: [{ role: 'user', content: 'What is the weather like?' }] };
const post = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });

/** A raw HTTP/1.1 request (headers `fetch` refuses to send), answered with its status and body. */
function rawPost(url: string, headers: Record<string, string>, route = '/v1/chat/completions') {
  const body = JSON.stringify(chat);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(
      `${url}${route}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

let upstream: Upstream;
beforeAll(async () => {
  guard = await createGuard({ engine: createScriptedEngine({}) });
  upstream = await startUpstream();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.drain(1000)));
  await new Promise((resolve) => upstream?.server.close(resolve));
  await guard?.dispose();
});

describe('headers to the upstream (item 15)', () => {
  const attack = {
    authorization: `Bearer ${KEY}`,
    'x-api-key': KEY,
    cookie: `session=${KEY}`,
    'x-custom-leak': `prefix-${KEY}-suffix`,
    'proxy-authorization': 'Basic c2VjcmV0',
    'proxy-foo': '1',
    connection: 'x-hop-secret',
    'x-hop-secret': 'hop',
    'x-vigil-verdict': 'safe',
    'x-vigil-bypass': '1',
    'x-forwarded-for': '6.6.6.6',
    forwarded: 'for=6.6.6.6',
    'x-real-ip': '6.6.6.6',
    'anthropic-version': '2023-06-01',
    'user-agent': 'attacker/1.0',
  };

  it('sends only allow-listed headers, none holding a Vigil key; X-Forwarded-For gets the real peer', async () => {
    const url = await serveApp({ upstream: upstream.url, apiKeys: [KEY] });
    const response = await rawPost(url, attack);
    expect(response.status).toBe(200);
    const seen = upstream.seen.at(-1) ?? {};
    for (const name of [
      'authorization',
      'x-api-key',
      'cookie',
      'x-custom-leak',
      'proxy-authorization',
      'proxy-foo',
      'x-hop-secret',
      'x-vigil-verdict',
      'x-vigil-bypass',
      'forwarded',
      'x-real-ip',
    ])
      expect(seen[name], name).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain(KEY);
    expect(seen['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    expect(seen).toMatchObject({ 'anthropic-version': '2023-06-01', 'user-agent': 'attacker/1.0' });
    expect(seen['content-type']).toBe('application/json');
  });

  it("replaces Authorization with --upstream-api-key; without Vigil keys the client's credentials pass", async () => {
    const keyed = await serveApp({ upstream: upstream.url, apiKeys: [KEY], upstreamApiKey: 'up-key' });
    await post(`${keyed}/v1/chat/completions`, chat, { authorization: `Bearer ${KEY}` });
    expect(upstream.seen.at(-1)?.authorization).toBe('Bearer up-key');
    const open = await serveApp({ upstream: upstream.url });
    await post(`${open}/v1/chat/completions`, chat, {
      authorization: 'Bearer sk-client',
      'x-api-key': 'sk-ant',
    });
    expect(upstream.seen.at(-1)).toMatchObject({ authorization: 'Bearer sk-client', 'x-api-key': 'sk-ant' });
  });

  it("drops the upstream's own x-vigil-* and hop-by-hop headers on the way back", async () => {
    const url = await serveApp({ upstream: upstream.url });
    upstream.headers = {
      'x-vigil-verdict': 'safe',
      'x-vigil-from-upstream': '1',
      connection: 'x-up-hop',
      'x-up-hop': '1',
    };
    try {
      const response = await post(`${url}/v1/chat/completions`, chat);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-vigil-from-upstream')).toBeNull();
      expect(response.headers.get('x-up-hop')).toBeNull();
    } finally {
      upstream.headers = {};
    }
  });

  it('answers Upgrade with 400 and an unmet Expect with 417, never 502; 100-continue is forwarded', async () => {
    const url = await serveApp({ upstream: upstream.url });
    const upgrade = await rawPost(url, { upgrade: 'websocket', connection: 'Upgrade' });
    expect(upgrade.status).toBe(400);
    expect(upgrade.body).toContain('upgrade_not_supported');
    const h2c = await rawPost(url, {
      upgrade: 'h2c',
      connection: 'Upgrade, HTTP2-Settings',
      'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
    });
    expect(h2c.status).toBe(400);
    expect((await rawPost(url, { expect: 'something-else' })).status).toBe(417);
    const app = createModerationApp({ guard, processMetrics: false, upstream: upstream.url });
    const viaFetch = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', expect: 'x-custom' },
      body: JSON.stringify(chat),
    });
    expect(viaFetch.status).toBe(417);
    const continued = await rawPost(url, { expect: '100-continue' });
    expect(continued.status).toBe(200);
    expect(upstream.seen.at(-1)?.expect).toBeUndefined();
  });
});

describe('admission of proxy calls (item 13)', () => {
  it('counts proxy calls in --max-pending: past it 429 with Retry-After, for proxy and moderation calls alike', async () => {
    const url = await serveApp({ upstream: upstream.url, maxPending: 2, retryAfterSeconds: 3 });
    let release: () => void = () => {};
    upstream.hold = new Promise<void>((resolve) => (release = resolve));
    const before = upstream.seen.length;
    const calls = Array.from({ length: 6 }, () => post(`${url}/v1/chat/completions`, chat));
    // Wait until two calls have reached the upstream (they hold the two places).
    while (upstream.seen.length < before + 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const moderation = await post(`${url}/v1/moderations`, { input: 'hello' });
    release();
    upstream.hold = undefined;
    const statuses = (await Promise.all(calls)).map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    expect(moderation.status).toBe(429);
    expect(moderation.headers.get('retry-after')).toBe('3');
    // Every place came back: a full batch is admitted again.
    const after = await post(`${url}/v1/moderations`, { input: ['a', 'b'] });
    expect(after.status).toBe(200);
  });

  it('holds the place while an answer streams, and gives it back when the client leaves early', async () => {
    const url = await serveApp({ upstream: upstream.url, maxPending: 1 });
    upstream.slowStream = true;
    let finish: () => void = () => {};
    upstream.streamHold = new Promise<void>((resolve) => (finish = resolve));
    try {
      const leaving = new AbortController();
      const response = await post(
        `${url}/v1/chat/completions`,
        { ...chat, stream: true },
        {},
        leaving.signal,
      );
      expect(response.status).toBe(200);
      await response.body?.getReader().read();
      expect((await post(`${url}/v1/moderations`, { input: 'hello' })).status).toBe(429);
      leaving.abort();
      let status = 0;
      for (let attempt = 0; attempt < 200 && status !== 200; attempt++) {
        status = (await post(`${url}/v1/moderations`, { input: 'hello' })).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(status).toBe(200);
    } finally {
      finish();
      upstream.slowStream = false;
    }
  });
});

describe('--max-input-chars counts every judged character (item 12)', () => {
  const long = 'a'.repeat(5000);
  const shapes: [string, unknown][] = [
    ['thinking', [{ role: 'assistant', content: [{ type: 'thinking', thinking: long }] }]],
    ['refusal', [{ role: 'assistant', content: [{ type: 'refusal', refusal: long }] }]],
    ['input_text', [{ role: 'user', content: [{ type: 'input_text', text: long }] }]],
    [
      'tool arguments',
      [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ type: 'function', function: { name: 'f', arguments: long } }],
        },
      ],
    ],
    [
      'tool_use',
      [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { q: long } }] }],
    ],
  ];

  it.each(shapes)('refuses %s past the limit, single and batch', async (_name, messages) => {
    const url = await serveApp({ maxInputChars: 1000 });
    const single = await post(`${url}/v1/classify`, { messages });
    expect(single.status).toBe(400);
    expect(await single.text()).toContain('expected at most 1000 characters of text');
    const batch = await post(`${url}/v1/classify`, {
      conversations: [[{ role: 'user', content: 'hi' }], messages],
    });
    expect(batch.status).toBe(400);
  });

  it('admits the same shapes within the limit', async () => {
    const url = await serveApp({ maxInputChars: 1000 });
    const response = await post(`${url}/v1/classify`, {
      messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'a'.repeat(900) }] }],
    });
    expect(response.status).toBe(200);
  });
});

describe('the built vigil serve process', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it("appends the real peer to X-Forwarded-For and keeps Vigil's key from the upstream", async () => {
    await buildCliOnce();
    child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'tests/support/vigil-scripted.js'),
        'serve',
        '--port',
        '0',
        '--api-key',
        KEY,
        '--upstream',
        upstream.url,
        '--log-level',
        'warn',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child?.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk;
        const match = /listening on (\S+)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child?.once('exit', (code) => reject(new Error(`vigil serve exited ${code}: ${stderr}`)));
    });
    const response = await post(`${url}/v1/chat/completions`, chat, {
      authorization: `Bearer ${KEY}`,
      'x-forwarded-for': '6.6.6.6',
      'x-api-key': KEY,
    });
    expect(response.status).toBe(200);
    const seen = upstream.seen.at(-1) ?? {};
    expect(seen['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    expect(JSON.stringify(seen)).not.toContain(KEY);
  });
});
