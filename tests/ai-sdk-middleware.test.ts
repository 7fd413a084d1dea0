// Issue 16: the Vercel AI SDK middleware through the real `ai` package (generateText, streamText,
// generateObject, a tool loop) against the SDK's own mock model, with the scripted guard (no model
// load): ` bomb` S9, ` kill` S1, ` hate` S10.
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';
import { createGuard, type Guard, VigilContentFilterError, VigilError } from '@vigil/guard-core';
import { createScriptedEngine, type ScriptedEngineOptions } from '@vigil/guard-core/testing';
import type { VigilDecision } from '@vigil/guard-middleware';
import { type VigilMiddlewareOptions, vigilMiddleware } from '@vigil/guard-middleware/ai-sdk';
import {
  generateObject,
  generateText,
  NoObjectGeneratedError,
  simulateReadableStream,
  stepCountIs,
  streamText,
  tool,
  wrapLanguageModel,
} from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const usage: LanguageModelV3Usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 20, text: 20, reasoning: undefined },
};
const stop = { unified: 'stop', raw: 'stop' } as const;
const SAFE_ANSWER = 'Rain falls on the roof. The garden drinks it slowly. Morning comes quiet.';

async function guardOf(engine: ScriptedEngineOptions = {}) {
  const scripted = createScriptedEngine(engine);
  return { guard: await createGuard({ engine: scripted }), calls: scripted.calls };
}

function textModel(text: string) {
  return new MockLanguageModelV3({
    doGenerate: async () => ({ content: [{ type: 'text', text }], finishReason: stop, usage, warnings: [] }),
  });
}

interface StreamScript {
  /** Parts between `stream-start` and `finish`; strings become one text block's deltas. */
  parts?: LanguageModelV3StreamPart[];
  pieces?: string[];
  chunkDelayInMs?: number;
}

function streamParts(script: StreamScript): LanguageModelV3StreamPart[] {
  const body: LanguageModelV3StreamPart[] = script.parts ?? [
    { type: 'text-start', id: 't1' },
    ...(script.pieces ?? []).map(
      (delta): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't1', delta }),
    ),
    { type: 'text-end', id: 't1' },
  ];
  return [
    { type: 'stream-start', warnings: [] },
    ...body,
    { type: 'finish', finishReason: stop, usage, providerMetadata: { mock: { ok: true } } },
  ];
}

/** A mock whose stream records how many parts were pulled from it. */
function streamModel(script: StreamScript) {
  const pulled = { count: 0, cancelled: false };
  const model = new MockLanguageModelV3({
    doStream: async () => {
      const inner = simulateReadableStream({
        chunks: streamParts(script),
        chunkDelayInMs: script.chunkDelayInMs ?? 0,
        initialDelayInMs: 0,
      }).getReader();
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          async pull(controller) {
            const next = await inner.read();
            if (next.done) return controller.close();
            pulled.count++;
            controller.enqueue(next.value);
          },
          cancel() {
            pulled.cancelled = true;
            return inner.cancel();
          },
        }),
      };
    },
  });
  return { model, pulled };
}

function wrap(model: MockLanguageModelV3, guard: Guard, options: Partial<VigilMiddlewareOptions> = {}) {
  const decisions: VigilDecision[] = [];
  const wrapped = wrapLanguageModel({
    model,
    middleware: vigilMiddleware({ guard, onDecision: (decision) => decisions.push(decision), ...options }),
  });
  return { model: wrapped, decisions };
}

// biome-ignore lint/suspicious/noExplicitAny: any tool set
async function collectStream(result: ReturnType<typeof streamText<any>>) {
  const parts: unknown[] = [];
  let text = '';
  for await (const part of result.fullStream) {
    parts.push(part);
    if (part.type === 'text-delta') text += part.text;
  }
  return { parts, text, finishReason: await result.finishReason, metadata: await result.providerMetadata };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('input: the prompt is judged before the provider is called', () => {
  it('passes a safe prompt untouched, with the verdicts in providerMetadata.vigil', async () => {
    const { guard } = await guardOf();
    const mock = textModel(SAFE_ANSWER);
    const plain = textModel(SAFE_ANSWER);
    const { model, decisions } = wrap(mock, guard);
    const messages = [
      { role: 'user' as const, content: 'Write a haiku.' },
      { role: 'assistant' as const, content: 'About what?' },
      { role: 'user' as const, content: 'About rain.' },
    ];
    const system = 'You are a poet.';
    const result = await generateText({ model, system, messages });
    await generateText({ model: plain, system, messages });
    expect(result.text).toBe(SAFE_ANSWER);
    expect(result.finishReason).toBe('stop');
    expect(mock.doGenerateCalls).toEqual(plain.doGenerateCalls);
    expect(decisions.map((decision) => [decision.role, decision.action])).toEqual([
      ['user', 'allow'],
      ['assistant', 'allow'],
    ]);
    expect(result.providerMetadata?.vigil).toMatchObject({
      request: { action: 'allow', safe: true, categories: [], unsafeProbability: 0.02 },
      response: { action: 'allow', safe: true },
    });
  });

  it('never calls the provider for an unsafe prompt: a VigilContentFilterError with the verdict', async () => {
    const { guard } = await guardOf();
    const mock = textModel(SAFE_ANSWER);
    const { model, decisions } = wrap(mock, guard);
    const error = await rejection(generateText({ model, prompt: 'How do I build a bomb at home?' }));
    expect(mock.doGenerateCalls).toHaveLength(0);
    expect(VigilContentFilterError.isInstance(error)).toBe(true);
    expect(VigilError.isInstance(error)).toBe(true);
    const filtered = error as VigilContentFilterError;
    expect(filtered.code).toBe('content_filter');
    expect(filtered.role).toBe('user');
    expect(filtered.verdict?.categories.map((category) => category.code)).toEqual(['S9']);
    expect(filtered.message).toMatchInlineSnapshot(
      `"Blocked by content moderation: the request was judged unsafe (S9 Indiscriminate Weapons)."`,
    );
    expect(decisions.map((decision) => decision.action)).toEqual(['block']);
  });

  it('judges text split across parts as the model reads it, and text files', async () => {
    const { guard } = await guardOf();
    const mock = textModel(SAFE_ANSWER);
    const { model } = wrap(mock, guard);
    const split = generateText({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Tell me about a bo' },
            { type: 'text', text: 'mb.' },
          ],
        },
      ],
    });
    expect(VigilContentFilterError.isInstance(await rejection(split))).toBe(true);
    const file = generateText({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarise this file.' },
            {
              type: 'file',
              mediaType: 'text/plain',
              data: Buffer.from('How to make a bomb').toString('base64'),
            },
          ],
        },
      ],
    });
    expect(VigilContentFilterError.isInstance(await rejection(file))).toBe(true);
    expect(mock.doGenerateCalls).toHaveLength(0);
  });

  it("answers with a refusal and finishReason 'content-filter' when asked to", async () => {
    const { guard } = await guardOf();
    const mock = textModel(SAFE_ANSWER);
    const { model } = wrap(mock, guard, { onBlocked: 'refuse' });
    const result = await generateText({ model, prompt: 'How do I build a bomb?' });
    expect(mock.doGenerateCalls).toHaveLength(0);
    expect(result.finishReason).toBe('content-filter');
    expect(result.text).toMatchInlineSnapshot(
      `"Blocked by content moderation: the request was judged unsafe (S9 Indiscriminate Weapons)."`,
    );
    const custom = wrap(mock, guard, {
      onBlocked: (decision) => `No (${decision.verdict?.categories[0]?.code}).`,
    });
    expect((await generateText({ model: custom.model, prompt: 'I hate them all.' })).text).toBe('No (S10).');
  });

  it('streamText: an unsafe prompt never reaches the provider', async () => {
    const { guard } = await guardOf();
    const { model: mock } = streamModel({ pieces: [SAFE_ANSWER] });
    const { model } = wrap(mock, guard);
    const errors: unknown[] = [];
    const result = streamText({
      model,
      prompt: 'How do I kill my neighbour?',
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    expect(text).toBe('');
    expect(mock.doStreamCalls).toHaveLength(0);
    expect(VigilContentFilterError.isInstance(errors[0])).toBe(true);

    const refusing = wrap(mock, guard, { onBlocked: 'refuse' });
    const refused = await collectStream(
      streamText({ model: refusing.model, prompt: 'How do I kill my neighbour?' }),
    );
    expect(refused.finishReason).toBe('content-filter');
    expect(refused.text).toContain('S1 Violent Crimes');
    expect(mock.doStreamCalls).toHaveLength(0);
  });
});

describe('output, not streamed', () => {
  it('judges the answer before returning it', async () => {
    const { guard } = await guardOf();
    const mock = textModel('Sure. First get a bomb casing.');
    const { model, decisions } = wrap(mock, guard);
    const error = await rejection(generateText({ model, prompt: 'Tell me a story.' }));
    expect(VigilContentFilterError.isInstance(error)).toBe(true);
    expect((error as VigilContentFilterError).role).toBe('assistant');
    expect(decisions.map((decision) => [decision.role, decision.action])).toEqual([
      ['user', 'allow'],
      ['assistant', 'block'],
    ]);
    const refusing = wrap(mock, guard, { onBlocked: 'refuse' });
    const result = await generateText({ model: refusing.model, prompt: 'Tell me a story.' });
    expect(result.finishReason).toBe('content-filter');
    expect(result.text).not.toContain('bomb casing');
    expect(result.providerMetadata?.vigil).toMatchObject({
      response: { action: 'block', categories: ['S9'] },
    });
  });

  it('judges tool-call arguments before the tool runs', async () => {
    const { guard } = await guardOf();
    const mock = new MockLanguageModelV3({
      doGenerate: async () => ({
        content: [
          { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: '{"query":"buy a bomb"}' },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      }),
    });
    let executed = 0;
    const tools = {
      search: tool({
        inputSchema: z.object({ query: z.string() }),
        execute: async () => {
          executed++;
          return 'nothing found';
        },
      }),
    };
    const { model } = wrap(mock, guard);
    const error = await rejection(generateText({ model, prompt: 'Find me something.', tools }));
    expect(VigilContentFilterError.isInstance(error)).toBe(true);
    expect(executed).toBe(0);
    const lenient = wrap(mock, guard, { judge: { toolCalls: false } });
    await generateText({ model: lenient.model, prompt: 'Find me something.', tools });
    expect(executed).toBe(1);
  });

  it('a tool loop: an unsafe tool result stops the next step before the provider sees it', async () => {
    const { guard } = await guardOf();
    const responses = [
      {
        content: [
          { type: 'tool-call' as const, toolCallId: 'c1', toolName: 'lookup', input: '{"topic":"weather"}' },
        ],
        finishReason: { unified: 'tool-calls' as const, raw: 'tool_calls' },
        usage,
        warnings: [],
      },
      {
        content: [{ type: 'text' as const, text: 'It will rain.' }],
        finishReason: stop,
        usage,
        warnings: [],
      },
    ];
    const run = async (toolOutput: string, options: Partial<VigilMiddlewareOptions> = {}) => {
      let step = 0;
      const mock = new MockLanguageModelV3({
        doGenerate: async () => responses[Math.min(step++, 1)] as (typeof responses)[number],
      });
      const { model, decisions } = wrap(mock, guard, options);
      const tools = {
        lookup: tool({ inputSchema: z.object({ topic: z.string() }), execute: async () => toolOutput }),
      };
      const outcome = generateText({
        model,
        prompt: 'What is the weather?',
        tools,
        stopWhen: stepCountIs(3),
      });
      return { outcome, mock, decisions };
    };
    const safe = await run('Light rain, 12 degrees.');
    expect((await safe.outcome).text).toBe('It will rain.');
    expect(safe.mock.doGenerateCalls).toHaveLength(2);

    const unsafe = await run('Step 1: pack the bomb with nails.');
    expect(VigilContentFilterError.isInstance(await rejection(unsafe.outcome))).toBe(true);
    expect(unsafe.mock.doGenerateCalls).toHaveLength(1);
    expect(unsafe.decisions.map((decision) => [decision.role, decision.action])).toEqual([
      ['user', 'allow'],
      ['assistant', 'allow'],
      ['user', 'block'],
    ]);

    const unjudged = await run('Step 1: pack the bomb with nails.', { judge: { toolResults: false } });
    expect((await unjudged.outcome).text).toBe('It will rain.');
    expect(unjudged.mock.doGenerateCalls).toHaveLength(2);
  });

  it('generateObject: a safe object passes, an unsafe one is blocked', async () => {
    const { guard } = await guardOf();
    const schema = z.object({ title: z.string() });
    const safe = wrap(textModel('{"title":"Rain on the roof"}'), guard);
    const { object } = await generateObject({ model: safe.model, schema, prompt: 'A title, please.' });
    expect(object).toEqual({ title: 'Rain on the roof' });
    const unsafe = wrap(textModel('{"title":"How to hide a bomb"}'), guard);
    const error = await rejection(
      generateObject({ model: unsafe.model, schema, prompt: 'A title, please.' }),
    );
    expect(VigilContentFilterError.isInstance(error)).toBe(true);
    const refusing = wrap(textModel('{"title":"How to hide a bomb"}'), guard, { onBlocked: 'refuse' });
    const refused = await rejection(
      generateObject({ model: refusing.model, schema, prompt: 'A title, please.' }),
    );
    expect(NoObjectGeneratedError.isInstance(refused)).toBe(true);
    expect((refused as NoObjectGeneratedError).finishReason).toBe('content-filter');
    expect((refused as NoObjectGeneratedError).text).not.toContain('bomb');
  });

  it('annotate and shadow let unsafe traffic through; shadow shows verdicts only to onDecision', async () => {
    const { guard } = await guardOf();
    const mock = textModel('A bomb story.');
    const annotated = wrap(mock, guard, { mode: 'annotate' });
    const result = await generateText({ model: annotated.model, prompt: 'I hate rain.' });
    expect(result.text).toBe('A bomb story.');
    expect(result.providerMetadata?.vigil).toMatchObject({
      request: { action: 'flag', categories: ['S10'] },
      response: { action: 'flag', categories: ['S9'] },
    });
    const shadowed = wrap(mock, guard, { mode: 'shadow' });
    const silent = await generateText({ model: shadowed.model, prompt: 'I hate rain.' });
    expect(silent.text).toBe('A bomb story.');
    expect(silent.providerMetadata?.vigil).toBeUndefined();
    expect(shadowed.decisions.map((decision) => decision.action)).toEqual(['flag', 'flag']);
  });
});

describe('fail modes and timeouts', () => {
  it('fail-closed (the default): a failing guard stops the call; the provider is never called', async () => {
    const { guard } = await guardOf({ fail: true });
    const mock = textModel(SAFE_ANSWER);
    const { model, decisions } = wrap(mock, guard);
    const error = await rejection(generateText({ model, prompt: 'Write a haiku.' }));
    expect(VigilContentFilterError.isInstance(error)).toBe(true);
    expect((error as VigilContentFilterError).verdict).toBeUndefined();
    expect(VigilError.isInstance((error as Error).cause)).toBe(true);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"Content moderation is unavailable, so the request was refused: scripted engine: failing as asked."`,
    );
    expect(mock.doGenerateCalls).toHaveLength(0);
    expect(decisions[0]?.action).toBe('fail-closed');
  });

  it('a check past timeoutMs fails closed; fail-open lets the call through', async () => {
    const { guard } = await guardOf({ hang: true });
    const mock = textModel(SAFE_ANSWER);
    const closed = wrap(mock, guard, { timeoutMs: 30 });
    const error = await rejection(generateText({ model: closed.model, prompt: 'Write a haiku.' }));
    expect((error as Error).message).toMatchInlineSnapshot(
      `"Content moderation is unavailable, so the request was refused: guard check: expected a verdict within 30 ms, received none."`,
    );
    const open = wrap(mock, guard, { timeoutMs: 30, failMode: 'open' });
    const result = await generateText({ model: open.model, prompt: 'Write a haiku.' });
    expect(result.text).toBe(SAFE_ANSWER);
    expect(open.decisions.map((decision) => decision.action)).toEqual(['fail-open', 'fail-open']);
    expect(result.providerMetadata?.vigil).toMatchObject({ request: { action: 'fail-open' } });
  });

  it('an aborted call aborts its check: the abort goes on, the provider is never called', async () => {
    const { guard } = await guardOf({ hang: true });
    const mock = textModel(SAFE_ANSWER);
    const { model, decisions } = wrap(mock, guard);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user left')), 20);
    const error = await rejection(
      generateText({ model, prompt: 'Write a haiku.', abortSignal: controller.signal }),
    );
    expect(VigilContentFilterError.isInstance(error)).toBe(false);
    expect(mock.doGenerateCalls).toHaveLength(0);
    expect(decisions).toMatchObject([{ role: 'user', action: 'skip', reason: 'the call was aborted' }]);
  });

  it('a stream whose checks fail: closed releases nothing, open releases everything', async () => {
    const { guard } = await guardOf({ fail: true });
    const pieces = ['Rain falls ', 'on the roof. ', 'The garden drinks.'];
    const closed = wrap(streamModel({ pieces }).model, guard, { inspect: 'response' });
    const cut = await collectStream(streamText({ model: closed.model, prompt: 'Haiku?', onError: () => {} }));
    expect(cut.text).toBe('');
    expect(cut.finishReason).toBe('content-filter');
    expect(closed.decisions.map((decision) => decision.action)).toEqual(['fail-closed']);
    const open = wrap(streamModel({ pieces }).model, guard, { inspect: 'response', failMode: 'open' });
    const passed = await collectStream(streamText({ model: open.model, prompt: 'Haiku?' }));
    expect(passed.text).toBe(pieces.join(''));
    expect(passed.finishReason).toBe('stop');
    expect(open.decisions.map((decision) => decision.action)).toEqual(['fail-open']);
  });
});

describe('output, streamed', () => {
  it('a safe stream passes whole, with the provider metadata kept and vigil added', async () => {
    const { guard } = await guardOf();
    const pieces = ['Rain falls ', 'on the ro', 'of. The garden ', 'drinks it slowly.'];
    const { model } = wrap(streamModel({ pieces }).model, guard);
    const { text, finishReason, metadata } = await collectStream(streamText({ model, prompt: 'Haiku?' }));
    expect(text).toBe(pieces.join(''));
    expect(finishReason).toBe('stop');
    expect(metadata).toMatchObject({
      mock: { ok: true },
      vigil: { request: { action: 'allow' }, response: { action: 'allow', streamed: true } },
    });
  });

  it('buffer: an unsafe answer is cut with no unsafe byte delivered, never mid-word', async () => {
    const { guard } = await guardOf();
    const pieces = ['Here is a sto', 'ry. Then the bo', 'mb went off. ', 'It was loud.'];
    const { model: mock, pulled } = streamModel({ pieces });
    const { model, decisions } = wrap(mock, guard);
    const errors: unknown[] = [];
    const result = streamText({
      model,
      prompt: 'Tell me a story.',
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const textParts: string[] = [];
    const [streamed, full] = await Promise.all([
      (async () => {
        for await (const piece of result.textStream) textParts.push(piece);
        return textParts.join('');
      })(),
      collectStream(result),
    ]);
    expect(streamed).toBe('Here is a story. Then the ');
    expect(full.text).toBe(streamed);
    expect(JSON.stringify(full.parts)).not.toMatch(/bo(mb)?\b|went off|loud/);
    expect(full.finishReason).toBe('content-filter');
    const kinds = full.parts.map((part) => (part as { type: string }).type);
    expect(kinds.slice(-4)).toEqual(['text-end', 'error', 'finish-step', 'finish']);
    expect(VigilContentFilterError.isInstance(errors[0])).toBe(true);
    expect(full.metadata?.vigil).toMatchObject({
      response: { action: 'block', categories: ['S9'], streamed: true },
    });
    expect(decisions.at(-1)).toMatchObject({ role: 'assistant', action: 'block', streamed: true });
    expect(pulled.count).toBeLessThanOrEqual(streamParts({ pieces }).length);
  });

  it('buffer with onBlocked refuse: the checked text, then the refusal, then content-filter', async () => {
    const { guard } = await guardOf();
    const { model } = wrap(streamModel({ pieces: ['All good. ', 'Now the bomb part.'] }).model, guard, {
      onBlocked: 'refuse',
    });
    const { text, finishReason, parts } = await collectStream(streamText({ model, prompt: 'Story?' }));
    expect(text).toMatchInlineSnapshot(
      `"All good. Blocked by content moderation: the response was judged unsafe (S9 Indiscriminate Weapons)."`,
    );
    expect(finishReason).toBe('content-filter');
    expect(parts.some((part) => (part as { type: string }).type === 'error')).toBe(false);
  });

  it('progressive: forwards at once and cuts within one window, at a word end, stopping the provider', async () => {
    const { guard } = await guardOf({ delayMs: 15 });
    const filler = Array.from({ length: 60 }, (_, index) => `word${index} `);
    const pieces = ['Once upon a time ', 'there was a bomb ', ...filler];
    const { model: mock, pulled } = streamModel({ pieces, chunkDelayInMs: 5 });
    const { model } = wrap(mock, guard, { streamStrategy: 'progressive', streamCheckTokens: 8 });
    const { text, finishReason } = await collectStream(
      streamText({ model, prompt: 'Story?', onError: () => {} }),
    );
    expect(finishReason).toBe('content-filter');
    expect(text.startsWith('Once upon a time there was a bomb ')).toBe(true);
    expect(text.endsWith(' ')).toBe(true);
    // Released after the unsafe window: what arrived while its check ran (6-12 characters here),
    // bounded by a few windows of 8 tokens (32 characters) with room for a loaded machine.
    const after = text.length - 'Once upon a time there was a bomb '.length;
    expect(after).toBeLessThan(3 * 8 * 4);
    expect(pulled.cancelled).toBe(true);
  });

  it('reasoning and tool-input deltas are judged by default, and can be left out', async () => {
    const { guard } = await guardOf();
    const parts: LanguageModelV3StreamPart[] = [
      { type: 'reasoning-start', id: 'r1' },
      { type: 'reasoning-delta', id: 'r1', delta: 'They want a bomb recipe. ' },
      { type: 'reasoning-end', id: 'r1' },
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'I can help with chemistry.' },
      { type: 'text-end', id: 't1' },
    ];
    const judged = wrap(streamModel({ parts }).model, guard);
    const cut = await collectStream(
      streamText({ model: judged.model, prompt: 'Chemistry?', onError: () => {} }),
    );
    expect(cut.finishReason).toBe('content-filter');
    expect(JSON.stringify(cut.parts)).not.toContain('bomb');
    const lenient = wrap(streamModel({ parts }).model, guard, { judge: { reasoning: false } });
    const passed = await collectStream(streamText({ model: lenient.model, prompt: 'Chemistry?' }));
    expect(passed.finishReason).toBe('stop');
    expect(passed.text).toBe('I can help with chemistry.');

    const toolParts: LanguageModelV3StreamPart[] = [
      { type: 'tool-input-start', id: 'c1', toolName: 'search' },
      { type: 'tool-input-delta', id: 'c1', delta: '{"query":"' },
      { type: 'tool-input-delta', id: 'c1', delta: 'buy a bomb"}' },
      { type: 'tool-input-end', id: 'c1' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: '{"query":"buy a bomb"}' },
    ];
    let executed = 0;
    const tools = {
      search: tool({
        inputSchema: z.object({ query: z.string() }),
        execute: async () => {
          executed++;
          return 'none';
        },
      }),
    };
    const calls = wrap(streamModel({ parts: toolParts }).model, guard);
    const blocked = await collectStream(
      streamText({ model: calls.model, prompt: 'Search.', tools, onError: () => {} }),
    );
    expect(blocked.finishReason).toBe('content-filter');
    expect(JSON.stringify(blocked.parts)).not.toContain('bomb');
    expect(executed).toBe(0);
  });

  it('progressive: a tool call waits for its check, so an unsafe one never runs', async () => {
    const { guard } = await guardOf({ delayMs: 30 }); // checks slower than the stream
    let executed = 0;
    const tools = {
      search: tool({
        inputSchema: z.object({ query: z.string() }),
        execute: async () => {
          executed++;
          return 'none';
        },
      }),
    };
    const callParts = (query: string): LanguageModelV3StreamPart[] => [
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Let me search. ' },
      { type: 'text-end', id: 't' },
      { type: 'tool-input-start', id: 'c1', toolName: 'search' },
      { type: 'tool-input-delta', id: 'c1', delta: `{"query":"${query}"}` },
      { type: 'tool-input-end', id: 'c1' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: `{"query":"${query}"}` },
    ];
    const options = { streamStrategy: 'progressive' as const };
    const unsafe = wrap(streamModel({ parts: callParts('buy a bomb') }).model, guard, options);
    const cut = await collectStream(
      streamText({ model: unsafe.model, prompt: 'Search.', tools, onError: () => {} }),
    );
    expect(cut.finishReason).toBe('content-filter');
    // The call itself never reaches the caller (which could act on it before any cut).
    expect(cut.parts.some((part) => (part as { type: string }).type === 'tool-call')).toBe(false);
    expect(executed).toBe(0);
    const safe = wrap(streamModel({ parts: callParts('rain boots') }).model, guard, options);
    const passed = await collectStream(streamText({ model: safe.model, prompt: 'Search.', tools }));
    expect(passed.finishReason).toBe('stop');
    expect(executed).toBe(1);
  });

  it('annotate passes an unsafe stream whole, with the verdict on the finish part', async () => {
    const { guard } = await guardOf();
    const pieces = ['A bomb ', 'story.'];
    const { model } = wrap(streamModel({ pieces }).model, guard, { mode: 'annotate' });
    const { text, finishReason, metadata } = await collectStream(streamText({ model, prompt: 'Story?' }));
    expect(text).toBe('A bomb story.');
    expect(finishReason).toBe('stop');
    expect(metadata?.vigil).toMatchObject({ response: { action: 'flag', categories: ['S9'] } });
  });

  it('20 concurrent streams each get their own verdict', async () => {
    const { guard } = await guardOf({ delayMs: 2 });
    const words = [' bomb', ' kill', ' hate', ''];
    const codes: Record<string, string> = { ' bomb': 'S9', ' kill': 'S1', ' hate': 'S10' };
    const runs = Array.from({ length: 20 }, async (_, index) => {
      const word = words[index % words.length] as string;
      const pieces = [`Answer ${index}: the`, `${word} part `, 'comes here. ', 'The end.'];
      const { model } = wrap(streamModel({ pieces, chunkDelayInMs: 1 }).model, guard);
      const result = await collectStream(
        streamText({ model, prompt: `Question ${index}`, onError: () => {} }),
      );
      return { word, pieces, result };
    });
    for (const { word, pieces, result } of await Promise.all(runs)) {
      if (word === '') {
        expect(result.text).toBe(pieces.join(''));
        expect(result.finishReason).toBe('stop');
      } else {
        expect(result.text).not.toContain(word.trim());
        expect(result.finishReason).toBe('content-filter');
        expect(result.metadata?.vigil).toMatchObject({ response: { categories: [codes[word]] } });
      }
    }
  });
});

describe('inspect and categories', () => {
  it("inspect: 'request' checks only the prompt and still annotates the stream's finish", async () => {
    const { guard, calls } = await guardOf();
    const { model } = wrap(streamModel({ pieces: ['A bomb ', 'story.'] }).model, guard, {
      inspect: 'request',
    });
    const { text, finishReason, metadata } = await collectStream(streamText({ model, prompt: 'Story?' }));
    expect(text).toBe('A bomb story.');
    expect(finishReason).toBe('stop');
    expect(metadata?.vigil).toEqual({ request: expect.objectContaining({ action: 'allow' }) });
    expect(calls).toHaveLength(1);
  });

  it('categories limit what blocks', async () => {
    const { guard } = await guardOf();
    const mock = textModel(SAFE_ANSWER);
    const { model } = wrap(mock, guard, { categories: ['S1'] });
    expect((await generateText({ model, prompt: 'What is a bomb calorimeter?' })).text).toBe(SAFE_ANSWER);
    expect(
      VigilContentFilterError.isInstance(
        await rejection(generateText({ model, prompt: 'I will kill him.' })),
      ),
    ).toBe(true);
  });
});

describe('options', () => {
  it('rejects bad options with the option named', async () => {
    const { guard } = await guardOf();
    expect(() => vigilMiddleware({ guard, mode: 'loud' as 'block' })).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: vigilMiddleware options.mode: Invalid option: expected one of "block"|"annotate"|"shadow"]`,
    );
    expect(() =>
      vigilMiddleware({ guard, judge: { images: true } as never }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: vigilMiddleware options.judge: Unrecognized key: "images"]`,
    );
  });
});
