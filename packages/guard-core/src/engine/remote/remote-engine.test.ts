import { describe, expect, it } from 'vitest';
import { VigilConfigError, VigilDisposedError, VigilEngineError } from '../../errors.js';
import type { ScoreRequest } from '../types.js';
import { createRemoteEngine } from './remote-engine.js';

type Handler = (
  url: string,
  body: Record<string, unknown> | undefined,
  headers: Headers,
) => Response | Promise<Response>;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const notFound = () => json({ error: { message: 'Not Found' } }, 404);

/** A fetch that routes to `handler`, recording each call. */
function scriptedFetch(handler: Handler) {
  const calls: { url: string; body: Record<string, unknown> | undefined }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    calls.push({ url, body });
    return handler(url, body, new Headers(init?.headers));
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

/** A legacy-shape reply (vLLM) for the given tokens and their top alternatives. */
function legacy(tokens: string[], tops: Record<string, number>[]) {
  return json({
    choices: [
      {
        text: tokens.join(''),
        logprobs: { tokens, token_logprobs: tokens.map((t, i) => tops[i]?.[t] ?? 0), top_logprobs: tops },
      },
    ],
    usage: { prompt_tokens: 200, completion_tokens: tokens.length },
  });
}

const request: ScoreRequest = {
  segments: { prefix: '<|begin_of_text|>P\n', conversation: 'User: hi <|eot_id|>\n\n', tail: 'T\n\n' },
  knownCodes: ['S1', 'S9', 'S10'],
  threshold: 0.5,
  includeCategoryProbabilities: true,
};

describe('createRemoteEngine', () => {
  it('validates options at the boundary', async () => {
    await expect(createRemoteEngine({ baseURL: 'localhost:8000', model: 'm' })).rejects.toThrow(
      'createRemoteEngine options.baseURL: expected an http(s) URL',
    );
    await expect(createRemoteEngine({ baseURL: [], model: 'm' })).rejects.toSatisfy(
      VigilConfigError.isInstance,
    );
  });

  it('sends text with special-token look-alikes escaped when the server cannot tokenize, and scores from logprobs', async () => {
    const { fetch, calls } = scriptedFetch((url) => {
      if (!url.endsWith('/v1/completions')) return notFound();
      return legacy(
        ['unsafe', '\n', 'S', '9'],
        [
          { unsafe: Math.log(0.8), safe: Math.log(0.2) },
          { '\n': 0 },
          { S: 0 },
          { '9': Math.log(0.9), '1': Math.log(0.1) },
        ],
      );
    });
    const engine = await createRemoteEngine({
      baseURL: 'http://vllm:8000/v1',
      model: 'llama-guard',
      fetch,
      apiKey: 'k',
    });
    expect(engine.promptFormat).toBe('text');
    expect(engine.model.chatTemplate).toBeUndefined();
    const result = await engine.score(request);
    expect(result).toMatchObject({
      unsafeProbability: expect.closeTo(0.8, 12),
      probabilitySource: 'logprobs',
      codes: ['S9'],
      raw: 'unsafe\nS9',
      categoryProbabilities: { S1: expect.closeTo(0.1, 12), S9: expect.closeTo(0.9, 12), S10: 0 },
      usage: { promptTokens: 200, cachedTokens: 0, evaluatedTokens: 204 },
    });
    expect(calls.at(-1)).toEqual({
      url: 'http://vllm:8000/v1/completions',
      body: {
        model: 'llama-guard',
        prompt: '<|begin_of_text|>P\nUser: hi <\uFF5Ceot_id|>\n\nT\n\n',
        max_tokens: 15,
        temperature: 0,
        logprobs: 20,
        stream: false,
        add_special_tokens: false,
      },
    });
  });

  it("uses llama-server's /props template and /tokenize token ids", async () => {
    const { fetch, calls } = scriptedFetch((url, body) => {
      if (url.endsWith('/props'))
        return json({ chat_template: '{{ x }}', default_generation_settings: { n_ctx: 4096 } });
      if (url.endsWith('/tokenize')) {
        const content = String(body?.content);
        if (content === '<|eot_id|>') return json({ tokens: body?.parse_special ? [128009] : [27, 91, 68] });
        return json({ tokens: [...content].map((c) => c.charCodeAt(0)) });
      }
      return json({
        choices: [
          {
            text: 'safe',
            logprobs: {
              content: [
                {
                  token: 'safe',
                  logprob: -0.01,
                  top_logprobs: [
                    { token: 'safe', logprob: -0.01 },
                    { token: 'unsafe', logprob: -4.6 },
                  ],
                },
              ],
            },
          },
        ],
      });
    });
    const engine = await createRemoteEngine({ baseURL: 'http://llama:8080', model: 'm', fetch });
    expect(engine).toMatchObject({
      promptFormat: 'tokens',
      tokenSource: 'server',
      model: { chatTemplate: '{{ x }}', contextSize: 4096 },
    });
    const result = await engine.score(request);
    expect(result).toMatchObject({ codes: [], raw: 'safe' });
    expect(result.unsafeProbability).toBeCloseTo(1 / (1 + Math.exp(4.59)), 12);
    const sent = calls.at(-1)?.body?.prompt as number[];
    expect(sent.length).toBe([...'<|begin_of_text|>P\nUser: hi <|eot_id|>\n\nT\n\n'].length);
    expect(calls.filter((c) => c.url.endsWith('/tokenize')).map((c) => c.body?.parse_special)).toEqual([
      false,
      true,
      true,
      false,
      true,
    ]);
  });

  it("refuses promptFormat 'tokens' when nothing can tokenize", async () => {
    const { fetch } = scriptedFetch(() => notFound());
    await expect(
      createRemoteEngine({ baseURL: 'http://vllm:8000', model: 'm', fetch, promptFormat: 'tokens' }),
    ).rejects.toThrow(
      /promptFormat: expected a tokenizer option or a server whose \/tokenize takes parse_special/,
    );
  });
});

describe('createRemoteEngine over replicas', () => {
  it('fails creation when no replica answers, naming each', async () => {
    const { fetch } = scriptedFetch(() => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    });
    await expect(
      createRemoteEngine({ baseURL: ['http://a:1', 'http://b:1'], model: 'm', fetch }),
    ).rejects.toThrow(
      'remote engine: cannot reach a server: expected one replica to answer, received: replica http://a:1: GET /props: connection failed (ECONNREFUSED); replica http://b:1: GET /props: connection failed (ECONNREFUSED)',
    );
  });

  it('retries a 503 on the other replica; a 400 fails at once', async () => {
    let status = 503;
    const { fetch, calls } = scriptedFetch((url) => {
      if (!url.endsWith('/v1/completions')) return notFound();
      if (url.startsWith('http://a')) return json({ error: 'overloaded' }, status);
      return legacy(['safe'], [{ safe: -0.01, unsafe: -5 }]);
    });
    const engine = await createRemoteEngine({
      baseURL: ['http://a', 'http://b'],
      model: 'm',
      fetch,
      promptFormat: 'text',
    });
    expect(await engine.score(request)).toMatchObject({ codes: [], raw: 'safe' });
    expect(calls.filter((c) => c.url.endsWith('/v1/completions')).map((c) => new URL(c.url).host)).toEqual([
      'a',
      'b',
    ]);
    expect(engine.stats?.()).toMatchObject({ retries: 1, failedAttempts: 1 });
    status = 400;
    const both = await createRemoteEngine({ baseURL: ['http://a'], model: 'm', fetch, promptFormat: 'text' });
    await expect(both.score(request)).rejects.toThrow(
      'remote engine: replica http://a: POST /v1/completions: expected HTTP 2xx, received 400: "{\\"error\\":\\"overloaded\\"}"',
    );
  });

  it('reports a server without logprobs as a text verdict', async () => {
    const { fetch } = scriptedFetch((url) =>
      url.endsWith('/v1/completions')
        ? json({ choices: [{ text: '\n\nunsafe\nS1', logprobs: null }] })
        : notFound(),
    );
    const engine = await createRemoteEngine({ baseURL: 'http://a', model: 'm', fetch });
    expect(await engine.score(request)).toMatchObject({
      unsafeProbability: null,
      probabilitySource: 'text',
      codes: ['S1'],
      raw: 'unsafe\nS1',
    });
  });

  it('without logprobs, forces the code line when the answer is unsafe but names no code', async () => {
    const { fetch, calls } = scriptedFetch((url, body) => {
      if (!url.endsWith('/v1/completions')) return notFound();
      const prompt = String(body?.prompt);
      const text = prompt.endsWith('unsafe\nS') ? '9,S1<|eot_id|>' : 'unsafe';
      return json({ choices: [{ text, logprobs: null }] });
    });
    const engine = await createRemoteEngine({ baseURL: 'http://a', model: 'm', fetch });
    expect(await engine.score(request)).toMatchObject({
      unsafeProbability: null,
      probabilitySource: 'text',
      codes: ['S9', 'S1'],
      raw: 'unsafe\nS9,S1',
    });
    expect(calls.filter((c) => c.url.endsWith('/v1/completions'))).toHaveLength(2);
  });

  it('sends the API key and refuses calls after dispose', async () => {
    let authorization: string | null = null;
    const { fetch } = scriptedFetch((_url, _body, headers) => {
      authorization = headers.get('authorization');
      return notFound();
    });
    const engine = await createRemoteEngine({ baseURL: 'http://a', model: 'm', fetch, apiKey: 'sk-1' });
    expect(authorization).toBe('Bearer sk-1');
    await engine.dispose();
    await engine.dispose();
    await expect(engine.score(request)).rejects.toSatisfy(VigilDisposedError.isInstance);
    expect(VigilEngineError.isInstance(new VigilEngineError('x'))).toBe(true);
  });
});

describe('remote options from a policy file', () => {
  it('reads the API key from the named environment variable and refuses unknown keys', async () => {
    const { remoteConfigFromFile, remoteEngineFileSchema } = await import('./remote-options.js');
    const block = remoteEngineFileSchema.parse({
      type: 'remote',
      baseURL: ['http://a/v1'],
      model: 'm',
      apiKeyEnv: 'KEY',
    });
    expect(remoteConfigFromFile(block, { KEY: 'sk-2' })).toEqual({
      type: 'remote',
      baseURL: ['http://a/v1'],
      model: 'm',
      apiKey: 'sk-2',
    });
    expect(
      remoteEngineFileSchema.safeParse({ type: 'remote', baseURL: 'http://a', model: 'm', apiKey: 'x' })
        .success,
    ).toBe(false);
  });
});
