import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine, type ScriptedEngineOptions } from '@vigil/guard-core/testing';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  ASK_UNSAFE,
  addFakeUpstream,
  SAFE_ANSWER,
} from '../../guard-middleware/src/fake-upstream.fixture.js';
import { createModerationApp, type ModerationAppOptions } from './create-moderation-app.js';

async function appWith(options: Partial<ModerationAppOptions> = {}, engine: ScriptedEngineOptions = {}) {
  const guard: Guard = await createGuard({ engine: createScriptedEngine(engine) });
  return createModerationApp({ guard, processMetrics: false, ...options });
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function errorOf(response: Response) {
  return { status: response.status, ...(await response.json()).error };
}

describe('POST /v1/moderations', () => {
  it('answers in OpenAI schema, one result per string, flagged by the verdict', async () => {
    const app = await appWith();
    const response = await app.request('/v1/moderations', json({ input: ['hello', 'a bomb'], model: 'm' }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.id).toMatch(/^modr-/);
    expect(body.model).toBe('m');
    expect(body.results.map((result: { flagged: boolean }) => result.flagged)).toEqual([false, true]);
    const unsafe = body.results[1];
    expect(Object.keys(unsafe.categories)).toHaveLength(13);
    expect(unsafe.categories['illicit/violent']).toBe(true);
    expect(unsafe.categories.hate).toBe(false);
    expect(unsafe.category_scores['illicit/violent']).toBeCloseTo(0.97);
    expect(unsafe.category_applied_input_types.violence).toEqual(['text']);
    expect(unsafe.vigil).toMatchObject({
      safe: false,
      categories: [{ code: 'S9' }],
      unsafeProbability: 0.97,
    });
  });

  it('judges the text of an array of parts as one input and says images were not judged', async () => {
    const app = await appWith();
    const input = [
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      { type: 'text', text: 'I want to kill' },
    ];
    const body = await (await app.request('/v1/moderations', json({ input }))).json();
    expect(body.results).toHaveLength(1);
    expect(body.results[0].flagged).toBe(true);
    expect(body.results[0].vigil.imagesIgnored).toBe(1);
  });

  it('refuses bad bodies with 400 in OpenAI error shape naming the field', async () => {
    const app = await appWith({ maxInputs: 2, maxInputChars: 10 });
    const cases = [
      { input: [] },
      { input: ['a', 'b', 'c'] },
      { input: 'x'.repeat(11) },
      { input: ['a', 2] },
      { input: 'a', extra: true },
      { input: [{ type: 'image_url', image_url: { url: 'u' } }] },
      { input: [{ type: 'audio', data: 'x' }] },
      { model: 'm' },
      '{"input":',
    ];
    const errors = [];
    for (const body of cases) errors.push(await errorOf(await app.request('/v1/moderations', json(body))));
    expect(
      errors.map((error) => `${error.status} ${error.param} ${error.code}: ${error.message}`),
    ).toMatchInlineSnapshot(`
        [
          "400 input invalid_value: request body.input: expected at least one input",
          "400 input invalid_value: request body.input: expected at most 2 inputs",
          "400 input invalid_value: request body.input: expected at most 10 characters",
          "400 input[1] invalid_value: request body.input[1]: Invalid input: expected string, received number",
          "400 extra unknown_parameter: request body.extra: unknown field",
          "400 input invalid_value: request body.input: expected a non-empty text part (images are not judged: Llama Guard 3 1B reads text only)",
          "400 input[0] invalid_value: request body.input[0]: expected a part of type 'text' or 'image_url', received "audio"",
          "400 input invalid_value: request body.input: expected a string, an array of strings or an array of content parts, received undefined",
          "400 null invalid_json: request body: expected valid JSON",
        ]
      `);
  });

  it('needs application/json and refuses oversized bodies with 413', async () => {
    const app = await appWith({ maxBodyBytes: 64 });
    const plain = await app.request('/v1/moderations', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"input":"hi"}',
    });
    expect(await errorOf(plain)).toMatchObject({ status: 400, code: 'invalid_content_type' });
    const big = await app.request('/v1/moderations', json({ input: 'x'.repeat(100) }));
    expect(await errorOf(big)).toMatchObject({ status: 413, code: 'request_too_large' });
  });

  it('judges the text in the charset the client declared, and refuses what it cannot decode', async () => {
    const app = await appWith({}, { rules: [{ match: 'бомба', code: 'S9' }] });
    // "бомба" in windows-1251: read as UTF-8 it was replacement characters, and "not flagged".
    const cyrillic = Buffer.concat([
      Buffer.from('{"input":"'),
      Buffer.from([0xe1, 0xee, 0xec, 0xe1, 0xe0]),
      Buffer.from('"}'),
    ]);
    const declared = await app.request('/v1/moderations', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=windows-1251' },
      body: cyrillic,
    });
    expect((await declared.json()).results[0].flagged).toBe(true);
    const undeclared = await app.request('/v1/classify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: cyrillic,
    });
    expect(await errorOf(undeclared)).toMatchObject({ status: 400, code: 'invalid_encoding' });
    const gzipped = await app.request(
      '/v1/moderations',
      json({ input: 'hi' }, { 'content-encoding': 'gzip' }),
    );
    expect(await errorOf(gzipped)).toMatchObject({ status: 415, code: 'unsupported_content_encoding' });
  });

  it('fails closed: a guard failure is 503 with Retry-After, never "not flagged"', async () => {
    const app = await appWith({}, { fail: true });
    const response = await app.request('/v1/moderations', json({ input: 'hello' }));
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await errorOf(response)).toMatchObject({ status: 503, code: 'guard_unavailable' });
  });

  it('answers 429 with Retry-After past maxPending, and admits again after', async () => {
    const app = await appWith({ maxPending: 2, retryAfterSeconds: 3 }, { delayMs: 50 });
    const first = app.request('/v1/moderations', json({ input: ['a', 'b'] }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const refused = await app.request('/v1/moderations', json({ input: 'c' }));
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(await errorOf(refused)).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      code: 'queue_full',
    });
    expect((await first).status).toBe(200);
    expect((await app.request('/v1/moderations', json({ input: 'c' }))).status).toBe(200);
  });

  it('answers a timeout as a guard failure: 503 with Retry-After, code timeout', async () => {
    const app = await appWith({ timeoutMs: 20 }, { hang: true });
    const response = await app.request('/v1/moderations', json({ input: 'a' }));
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await errorOf(response)).toMatchObject({
      status: 503,
      type: 'service_unavailable',
      code: 'timeout',
      message: 'the classification timed out after 20 ms',
    });
  });

  it('answers a client that went away with 499, as the middleware does', async () => {
    const app = await appWith({}, { hang: true });
    const client = new AbortController();
    const request = new Request('http://serve.test/v1/moderations', {
      ...json({ input: 'a' }),
      signal: client.signal,
    });
    const answered = app.request(request);
    setTimeout(() => client.abort(), 10);
    expect(await errorOf(await answered)).toMatchObject({ status: 499, code: 'client_closed' });
  });
});

describe('POST /v1/classify', () => {
  it('returns the verdict of one conversation, and results for a batch', async () => {
    const app = await appWith();
    const one = await app.request(
      '/v1/classify',
      json({ messages: [{ role: 'user', content: 'a bomb' }], includeCategoryProbabilities: true }),
    );
    expect(await one.json()).toMatchObject({
      safe: false,
      role: 'user',
      categories: [{ code: 'S9', probability: 1 }],
    });
    const batch = await app.request(
      '/v1/classify',
      json({ conversations: ['hello', 'I hate it'], role: 'user' }),
    );
    const { results } = await batch.json();
    expect(results.map((verdict: { safe: boolean }) => verdict.safe)).toEqual([true, false]);
  });

  it('names the field of bad input', async () => {
    const app = await appWith();
    const errors = [];
    for (const body of [
      { text: 'hi' },
      { messages: 'hi', categories: ['S99'] },
      { messages: [{ role: 'user', content: 5 }] },
      { conversations: [] },
    ]) {
      errors.push(await errorOf(await app.request('/v1/classify', json(body))));
    }
    expect(errors.map((error) => `${error.status} ${error.param}: ${error.message}`)).toMatchInlineSnapshot(`
      [
        "400 null: request body: expected a field 'messages' (one conversation) or 'conversations' (a batch), received neither",
        "400 categories: categories[0]: unknown category 'S99'",
        "400 messages: request body.messages: expected a string or an array of messages",
        "400 conversations: request body.conversations: expected at least one conversation",
      ]
    `);
  });
});

describe('operations', () => {
  it('requires a valid Bearer key on /v1/* when keys are set, not on health checks', async () => {
    const app = await appWith({ apiKeys: ['k1', 'k2'] });
    const missing = await app.request('/v1/moderations', json({ input: 'hi' }));
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(missing)).toMatchObject({ status: 401, type: 'authentication_error' });
    const wrong = await app.request('/v1/moderations', json({ input: 'hi' }, { authorization: 'Bearer k3' }));
    expect(wrong.status).toBe(401);
    const right = await app.request('/v1/moderations', json({ input: 'hi' }, { authorization: 'Bearer k2' }));
    expect(right.status).toBe(200);
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('answers every malformed Authorization with the same 401 as a wrong key', async () => {
    const app = await appWith({ apiKeys: ['k1'] });
    const wrong = await app.request('/v1/classify', json({ messages: 'hi' }, { authorization: 'Bearer k2' }));
    const expected = { status: 401, ...(await wrong.json()) };
    for (const authorization of ['Basic k1', 'Bearer', 'Bearer k1 k1', 'Bearer k1!', 'k1', 'Bearerk1']) {
      const response = await app.request('/v1/classify', json({ messages: 'hi' }, { authorization }));
      expect(response.headers.get('www-authenticate'), authorization).toBe('Bearer');
      expect({ status: response.status, ...(await response.json()) }, authorization).toEqual(expected);
    }
    expect(expected.error).toEqual({
      message: 'Authorization: expected Bearer and a valid API key',
      type: 'authentication_error',
      param: null,
      code: 'invalid_api_key',
    });
  });

  it('refuses unknown options and keys no Bearer header can carry', async () => {
    const guard = await createGuard({ engine: createScriptedEngine() });
    const messages = [{ apiKeys: ['with space'] }, { maxInput: 3 }, { timeoutMs: 0 }].map((bad) => {
      try {
        createModerationApp({ guard, ...bad } as ModerationAppOptions);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(messages).toMatchInlineSnapshot(`
      [
        "createModerationApp options.apiKeys[0]: expected a key of letters, digits, -._~+/ and trailing =",
        "createModerationApp options: Unrecognized key: "maxInput"",
        "createModerationApp options.timeoutMs: Too small: expected number to be >=1",
      ]
    `);
  });

  it('readyz follows ready(); unknown routes are 404 in OpenAI shape', async () => {
    let ready = true;
    const app = await appWith({ ready: () => ready });
    expect((await app.request('/readyz')).status).toBe(200);
    ready = false;
    expect(await (await app.request('/readyz')).json()).toEqual({ status: 'draining' });
    expect(await errorOf(await app.request('/v1/nope'))).toMatchObject({
      status: 404,
      code: 'unknown_route',
    });
  });

  it('logs one line per request without the text unless logContent', async () => {
    const lines: Record<string, unknown>[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const quiet = await appWith({ logger });
    await quiet.request('/v1/moderations', json({ input: 'secret bomb text' }, { 'x-request-id': 'r-1' }));
    expect(lines[0]).toMatchObject({
      requestId: 'r-1',
      route: '/v1/moderations',
      status: 200,
      inputs: 1,
      flagged: 1,
    });
    expect(JSON.stringify(lines[0])).not.toContain('secret');
    const loud = await appWith({ logger, logContent: true });
    await loud.request('/v1/moderations', json({ input: 'secret bomb text' }));
    expect(lines[1]?.content).toBe('secret bomb text');
  });
});

describe('guard proxy mode', () => {
  it('forwards safe traffic to the upstream and blocks unsafe answers', async () => {
    const upstream = addFakeUpstream(new Hono());
    const seen: (string | null)[] = [];
    const fetchUpstream: typeof fetch = async (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return upstream.request(new Request(input, init));
    };
    const realFetch = globalThis.fetch;
    globalThis.fetch = fetchUpstream;
    try {
      const app = await appWith({ upstream: 'http://upstream.test', apiKeys: ['k'], upstreamApiKey: 'up' });
      const chat = (content: string) =>
        json({ model: 'm', messages: [{ role: 'user', content }] }, { authorization: 'Bearer k' });
      const safe = await app.request('/v1/chat/completions', chat('Hi'));
      expect((await safe.json()).choices[0].message.content).toBe(SAFE_ANSWER);
      const blocked = await app.request('/v1/chat/completions', chat(ASK_UNSAFE));
      expect(blocked.status).toBe(400);
      expect((await blocked.json()).error.code).toBe('content_filter');
      expect(seen).toEqual(['Bearer up', 'Bearer up']);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
