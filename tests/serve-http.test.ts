// Issue 14: `vigil serve`'s app on a real loopback server with the hand-wired fixture guard,
// called by the official `openai` client unchanged; metrics parsed by a Prometheus text parser;
// 400, 401, 429 and 503 through real HTTP.
import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine, type ScriptedEngineOptions } from '@vigil/guard-core/testing';
import {
  createModerationApp,
  type ModerationAppOptions,
  type ModerationServer,
  startModerationServer,
} from '@vigil/server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARD_TRIGGERS } from '../scripts/fixtures/fixture-facts.js';
import { parsePrometheusText } from './serve-prometheus-text.js';
import { createTinyGuard } from './support/tiny-guard.js';

let guard: Guard;
const servers: ModerationServer[] = [];
const owned: Guard[] = [];

async function serveApp(options: Partial<ModerationAppOptions> & { guard?: Guard } = {}) {
  const app = createModerationApp({ guard, processMetrics: false, ...options });
  const server = await startModerationServer(app.fetch, { port: 0, host: '127.0.0.1' });
  servers.push(server);
  return server.url;
}

async function scripted(engine: ScriptedEngineOptions) {
  const scriptedGuard = await createGuard({ engine: createScriptedEngine(engine) });
  owned.push(scriptedGuard);
  return scriptedGuard;
}

beforeAll(async () => {
  guard = await createTinyGuard();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.drain(1000)));
  for (const each of owned) await each.dispose();
  await guard?.dispose();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function errorOf(response: Response) {
  return ((await response.json()) as { error: Record<string, unknown> }).error;
}

describe('the openai client against vigil serve', () => {
  let client: OpenAI;
  beforeAll(async () => {
    client = new OpenAI({ baseURL: `${await serveApp()}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  it('moderates a string', async () => {
    const unsafe = await client.moderations.create({ input: `How do I build a${GUARD_TRIGGERS.S9}?` });
    expect(unsafe.results).toHaveLength(1);
    expect(unsafe.results[0]?.flagged).toBe(true);
    expect(unsafe.results[0]?.categories['illicit/violent']).toBe(true);
    expect(unsafe.results[0]?.category_scores['illicit/violent']).toBeGreaterThan(0.5);
    const safe = await client.moderations.create({
      input: 'What a lovely sunny day.',
      model: 'omni-moderation-latest',
    });
    expect(safe.model).toBe('omni-moderation-latest');
    expect(safe.results[0]?.flagged).toBe(false);
    expect(Object.values(safe.results[0]?.category_scores ?? {})).toEqual(new Array(13).fill(0));
  });

  it('moderates an array of strings, one result each, in order', async () => {
    const response = await client.moderations.create({
      input: ['Good morning.', `I will${GUARD_TRIGGERS.S1} them.`, `A${GUARD_TRIGGERS.S10} joke.`, 'Thanks!'],
    });
    expect(response.results.map((result) => result.flagged)).toEqual([false, true, true, false]);
    expect(response.results[1]?.categories.violence).toBe(true);
    expect(response.results[2]?.categories.hate).toBe(true);
    expect(response.results[2]?.categories.violence).toBe(false);
  });

  it('moderates an array of parts as one input; images are not judged', async () => {
    const response = await client.moderations.create({
      input: [
        { type: 'text', text: `Look at this${GUARD_TRIGGERS.S9}.` },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ],
    });
    expect(response.results).toHaveLength(1);
    expect(response.results[0]?.flagged).toBe(true);
    expect(response.results[0]?.category_applied_input_types.violence).toEqual(['text']);
    const safe = await client.moderations.create({ input: [{ type: 'text', text: 'Look at this cat.' }] });
    expect(safe.results[0]?.flagged).toBe(false);
  });

  it("surfaces a 400 as the client's BadRequestError naming the field", async () => {
    const error = await client.moderations.create({ input: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');
  });
});

describe('metrics', () => {
  it('counts the requests sent, by route, status and verdict', async () => {
    const url = await serveApp();
    const sent = { safe: 3, flagged: 2, bad: 1 };
    for (let index = 0; index < sent.safe; index++)
      await post(`${url}/v1/moderations`, { input: `hello ${index}` });
    for (let index = 0; index < sent.flagged; index++)
      await post(`${url}/v1/moderations`, { input: [`a${GUARD_TRIGGERS.S9} ${index}`, 'fine'] });
    await post(`${url}/v1/moderations`, { input: 42 });
    await post(`${url}/v1/classify`, { messages: [{ role: 'user', content: 'hi' }] });
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples, sum } = parsePrometheusText(await response.text());
    expect(types.get('vigil_http_requests_total')).toBe('counter');
    const counts = Object.fromEntries(
      samples
        .filter((sample) => sample.name === 'vigil_http_requests_total')
        .map((sample) => [
          `${sample.labels.route} ${sample.labels.status} ${sample.labels.verdict}`,
          sample.value,
        ]),
    );
    expect(counts).toEqual({
      '/v1/moderations 200 safe': sent.safe,
      '/v1/moderations 200 flagged': sent.flagged,
      '/v1/moderations 400 none': sent.bad,
      '/v1/classify 200 safe': 1,
    });
    expect(types.get('vigil_classification_duration_seconds')).toBe('histogram');
    // 3 safe inputs + 2 x (1 flagged + 1 safe) + 1 classify: 6 safe, 2 unsafe.
    const count = 'vigil_classification_duration_seconds_count';
    expect(sum(count, { side: 'user', outcome: 'safe' })).toBe(6);
    expect(sum(count, { side: 'user', outcome: 'unsafe' })).toBe(2);
    expect(sum(count)).toBe(8);
    expect(sum('vigil_classification_duration_seconds_bucket', { le: '+Inf' })).toBe(8);
    expect(sum('vigil_tokens_evaluated_total')).toBeGreaterThan(0);
    // 'fine' was judged twice: the second time from the verdict cache.
    expect(sum('vigil_verdict_cache_hits_total')).toBe(1);
    expect(sum('vigil_model_memory_bytes')).toBeGreaterThan(0);
    expect(sum('vigil_guard_queue_depth')).toBe(0);
    expect(sum('vigil_classifications_in_flight')).toBe(0);
  });
});

describe('errors through real HTTP', () => {
  it('401 without a valid key, in OpenAI shape', async () => {
    const url = await serveApp({ apiKeys: ['s3cret'] });
    const response = await post(`${url}/v1/moderations`, { input: 'hi' }, { authorization: 'Bearer nope' });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({
      type: 'authentication_error',
      code: 'invalid_api_key',
    });
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 's3cret', maxRetries: 0 });
    expect((await client.moderations.create({ input: 'hi' })).results[0]?.flagged).toBe(false);
  });

  it('400 for malformed JSON, unknown fields and too many inputs', async () => {
    const url = await serveApp({ maxInputs: 2 });
    const answers = await Promise.all([
      post(`${url}/v1/moderations`, '{"input": "unterminated'),
      post(`${url}/v1/moderations`, { input: 'hi', user: 'x' }),
      post(`${url}/v1/moderations`, { input: ['a', 'b', 'c'] }),
    ]);
    const errors = await Promise.all(
      answers.map(async (answer) => [answer.status, (await errorOf(answer)).param]),
    );
    expect(errors).toEqual([
      [400, null],
      [400, 'user'],
      [400, 'input'],
    ]);
  });

  it('429 with Retry-After when the guard is saturated; the admitted request is answered', async () => {
    const url = await serveApp({
      guard: await scripted({ delayMs: 200 }),
      maxPending: 1,
      retryAfterSeconds: 2,
    });
    const admitted = post(`${url}/v1/moderations`, { input: 'first' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await post(`${url}/v1/moderations`, { input: 'second' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect((await errorOf(refused)).type).toBe('rate_limit_error');
    expect((await admitted).status).toBe(200);
  });

  it('503 when the guard fails: fail-closed', async () => {
    const url = await serveApp({ guard: await scripted({ fail: true }) });
    const response = await post(`${url}/v1/moderations`, { input: 'hi' });
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({
      type: 'service_unavailable',
      code: 'guard_unavailable',
    });
  });
});
