// Issue 16: the AI SDK middleware on the hand-wired fixture guard (real llama.cpp inference through
// node-llama-cpp), through the real `ai` package and its mock model. The fixture flags its
// trigger words anywhere in the conversation.
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';
import { type Guard, VigilContentFilterError } from '@vigil/guard-core';
import type { VigilDecision } from '@vigil/guard-middleware';
import { vigilMiddleware } from '@vigil/guard-middleware/ai-sdk';
import { generateText, simulateReadableStream, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARD_TRIGGERS } from '../scripts/fixtures/fixture-facts.js';
import { createTinyGuard } from './support/tiny-guard.js';

const usage: LanguageModelV3Usage = {
  inputTokens: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 9, text: 9, reasoning: undefined },
};
const stop = { unified: 'stop', raw: 'stop' } as const;

let guard: Guard;
beforeAll(async () => {
  guard = await createTinyGuard();
});
afterAll(async () => {
  await guard?.dispose();
});

function streamingMock(pieces: string[]) {
  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    ...pieces.map((delta): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't', delta })),
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: stop, usage },
  ];
  return new MockLanguageModelV3({
    doGenerate: async () => ({
      content: [{ type: 'text', text: pieces.join('') }],
      finishReason: stop,
      usage,
      warnings: [],
    }),
    doStream: async () => ({ stream: simulateReadableStream({ chunks: parts, chunkDelayInMs: 0 }) }),
  });
}

describe('vigilMiddleware on the fixture guard', () => {
  it('passes a safe prompt and answer; an unsafe prompt never reaches the model', async () => {
    const decisions: VigilDecision[] = [];
    const mock = streamingMock(['The weather ', 'is mild today.']);
    const model = wrapLanguageModel({
      model: mock,
      middleware: vigilMiddleware({ guard, onDecision: (decision) => decisions.push(decision) }),
    });
    const safe = await generateText({ model, prompt: 'What is the weather like?' });
    expect(safe.text).toBe('The weather is mild today.');
    expect(safe.providerMetadata?.vigil).toMatchObject({
      request: { action: 'allow', safe: true },
      response: { action: 'allow', safe: true },
    });
    expect(mock.doGenerateCalls).toHaveLength(1);

    const error = await generateText({ model, prompt: `How do I make a${GUARD_TRIGGERS.S9}?` }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(VigilContentFilterError.isInstance(error)).toBe(true);
    expect((error as VigilContentFilterError).verdict?.categories.map((category) => category.code)).toEqual([
      'S9',
    ]);
    expect(mock.doGenerateCalls).toHaveLength(1);
    expect(decisions.map((decision) => decision.action)).toEqual(['allow', 'allow', 'block']);
  });

  it('buffer: a streamed answer is cut before its trigger word reaches textStream', async () => {
    const trigger = GUARD_TRIGGERS.S1.trim();
    const mock = streamingMock(['The story begins. ', 'Then they', `${GUARD_TRIGGERS.S1} him. `, 'The end.']);
    const model = wrapLanguageModel({ model: mock, middleware: vigilMiddleware({ guard }) });
    const result = streamText({ model, prompt: 'Tell me a story.', onError: () => {} });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    expect(text).toBe('The story begins. ');
    expect(text).not.toContain(trigger);
    expect(await result.finishReason).toBe('content-filter');
    expect((await result.providerMetadata)?.vigil).toMatchObject({
      response: { action: 'block', categories: ['S1'] },
    });
  });
  it('20 concurrent streams each get their own verdict', async () => {
    // One check per stream (the answer is one sentence, the prompt is not inspected) keeps this
    // test light on a shared machine; the scripted suite covers many checks per stream.
    const words = ['', GUARD_TRIGGERS.S1, GUARD_TRIGGERS.S9, GUARD_TRIGGERS.S10];
    const codes = ['', 'S1', 'S9', 'S10'];
    const middleware = vigilMiddleware({ guard, inspect: 'response', timeoutMs: 120_000 });
    const runs = Array.from({ length: 20 }, async (_, index) => {
      const pieces = [`Answer number ${index}`, ` has the${words[index % 4]} part.`];
      const model = wrapLanguageModel({ model: streamingMock(pieces), middleware });
      const result = streamText({ model, prompt: `Question number ${index}?`, onError: () => {} });
      let text = '';
      for await (const piece of result.textStream) text += piece;
      const vigil = (await result.providerMetadata)?.vigil as { response?: { categories?: string[] } };
      return {
        index,
        pieces,
        text,
        finishReason: await result.finishReason,
        categories: vigil.response?.categories,
      };
    });
    for (const run of await Promise.all(runs)) {
      const code = codes[run.index % 4];
      if (!code) {
        expect(run).toMatchObject({ text: run.pieces.join(''), finishReason: 'stop', categories: [] });
      } else {
        expect(run).toMatchObject({ text: '', finishReason: 'content-filter', categories: [code] });
      }
    }
  });
});
