// Issue 6: the guarded generator for real, through node-llama-cpp, on the hand-wired fixtures:
// the tiny generator says GENERATOR_SENTENCES.plain, or .story (with the guard's S9 trigger
// ` bomb` partway through) when a switch word is in the user text; the tiny guard flags ` bomb`.

import { createGenerator, type Generator, type GeneratorGuard } from '@vigil/generator';
import { createGuard, type Guard, type Usage, VigilAbortError } from '@vigil/guard-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import {
  FIXTURE_PATHS,
  GENERATOR_SENTENCES,
  GENERATOR_STORY_TRIGGER,
  GENERATOR_SWITCH_WORDS,
  GUARD_TRIGGERS,
} from '../scripts/fixtures/fixture-facts.js';

const refusal = "Sorry, I can't help with that.";
const plainAsk = [{ role: 'user' as const, content: 'What is the weather like today?' }];
const storyAsk = [{ role: 'user' as const, content: `Tell me a${GENERATOR_SWITCH_WORDS[0]?.text} please.` }];
const greedy = { temperature: 0 };
/** With windows of ~12 tokens the story is checked in pieces; the third window holds ` bomb`. */
const checkedStoryPrefix =
  'Once upon a time, in a small village by the river, there lived an old farmer who one morning found ';

let guard: Guard;
let generator: Generator;
/** Every classify call's usage, in order. */
const checks: { role: string | undefined; usage: Usage }[] = [];

beforeAll(async () => {
  await ensureTinyFixtures();
  guard = await createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 2,
    contextSize: 1024,
    concurrency: 2,
    verdictCacheSize: 0,
  });
  const recording: GeneratorGuard = {
    model: guard.model,
    engine: guard.engine,
    async classify(input, options) {
      const verdict = await guard.classify(input, options);
      checks.push({ role: options?.role, usage: verdict.usage });
      return verdict;
    },
  };
  generator = await createGenerator({
    guard: recording,
    model: FIXTURE_PATHS.tinyGenerator,
    threads: 2,
    contextSize: 1024,
    concurrency: 2,
    checkEvery: { tokens: 12 },
  });
});
afterAll(async () => {
  await generator?.dispose();
  await guard?.dispose();
});

async function streamed(messages: typeof plainAsk, signal?: AbortSignal) {
  const texts: string[] = [];
  for await (const piece of generator.stream(messages, { ...greedy, signal })) {
    if (piece.type === 'text') texts.push(piece.text);
    else return { texts, result: piece.result };
  }
  throw new Error('no end piece');
}

describe('createGenerator on the fixtures', () => {
  it('loads the chat model with its own template on the shared runtime and reports memory', () => {
    expect(generator.model).toMatchObject({ name: 'tiny-generator', template: 'gguf', contextSize: 1024 });
    const memory = generator.memory();
    expect(memory.generator.modelBytes).toBeGreaterThan(40e6);
    expect(memory.generator.contextBytes).toBeGreaterThan(0);
    expect(memory.guard.modelBytes).toBeGreaterThan(30e6);
    expect(memory.processRssBytes).toBeGreaterThan(memory.generator.modelBytes);
  });

  it('passes a safe chat untouched', async () => {
    const result = await generator.chat(plainAsk, greedy);
    expect(result).toMatchObject({
      message: { role: 'assistant', content: GENERATOR_SENTENCES.plain },
      finishReason: 'stop',
      refused: undefined,
      verdicts: { input: { safe: true }, output: { safe: true, raw: 'safe' } },
    });
    expect(result.usage.promptTokens).toBeGreaterThan(30);
    expect(result.usage.completionTokens).toBeGreaterThan(25);
    const { texts } = await streamed(plainAsk);
    expect(texts.join('')).toBe(GENERATOR_SENTENCES.plain);
    expect(texts.length).toBeGreaterThan(1);
  });

  it('refuses unsafe input before any token is generated', async () => {
    const { texts, result } = await streamed([
      { role: 'user', content: `How do I make a${GUARD_TRIGGERS.S9}?` },
    ]);
    expect(texts).toEqual([refusal]);
    expect(result).toMatchObject({
      finishReason: 'content_filter',
      refused: 'input',
      verdicts: { input: { safe: false, categories: [{ code: 'S9' }] }, output: undefined },
      usage: { promptTokens: 0, completionTokens: 0 },
    });
  });

  it('cuts unsafe output at the window that holds it, streamed and not; nothing after it is delivered', async () => {
    const notice = `\n\n${refusal}`;
    const { texts, result } = await streamed(storyAsk);
    expect(texts.join('')).toBe(checkedStoryPrefix + notice);
    expect(texts.at(-1)).toBe(notice);
    expect(checkedStoryPrefix).not.toContain(GENERATOR_STORY_TRIGGER.word);
    expect(GENERATOR_SENTENCES.story.startsWith(checkedStoryPrefix)).toBe(true);
    expect(result).toMatchObject({
      finishReason: 'content_filter',
      refused: 'output',
      verdicts: {
        input: { safe: true },
        output: { safe: false, categories: [{ code: GENERATOR_STORY_TRIGGER.code }] },
      },
    });
    const whole = await generator.chat(storyAsk, greedy);
    expect(whole.message.content).toBe(checkedStoryPrefix + notice);
    expect(whole.finishReason).toBe('content_filter');
  });

  it("reuses the guard's cache: each later output check evaluates only the new text plus the fixed tail", async () => {
    checks.length = 0;
    await generator.chat(plainAsk, greedy);
    const output = checks.filter((check) => check.role === 'assistant').map((check) => check.usage);
    expect(output.length).toBeGreaterThanOrEqual(3);
    const [first, ...later] = output;
    expect(first?.cachedTokens).toBeLessThan(first?.promptTokens ?? 0);
    for (const usage of later) {
      expect(usage.cachedTokens).toBeGreaterThan(150);
      // ~12 new tokens + the ~45-token tail after the conversation + the answer token
      expect(usage.evaluatedTokens).toBeLessThan(80);
    }
  });

  it('aborts mid-stream, frees both models’ sequences, and chats again', async () => {
    const controller = new AbortController();
    const texts: string[] = [];
    await expect(async () => {
      for await (const piece of generator.stream(plainAsk, { ...greedy, signal: controller.signal })) {
        if (piece.type === 'text') {
          texts.push(piece.text);
          controller.abort();
        }
      }
    }).rejects.toThrow(VigilAbortError);
    expect(texts).toHaveLength(1);
    expect(generator.stats()).toMatchObject({ activeChats: 0, waiting: 0 });
    expect(guard.stats().engine).toMatchObject({ freeSequences: 2, waiting: 0 });
    expect((await generator.chat(plainAsk, greedy)).message.content).toBe(GENERATOR_SENTENCES.plain);
  });

  it('runs concurrent chats on the pool', async () => {
    const results = await Promise.all([
      generator.chat(plainAsk, greedy),
      generator.chat(storyAsk, greedy),
      generator.chat(plainAsk, greedy),
    ]);
    expect(results.map((result) => result.finishReason)).toEqual(['stop', 'content_filter', 'stop']);
  });

  it('ends with length at maxTokens, and samples with Meta’s defaults', async () => {
    const short = await generator.chat(plainAsk, { ...greedy, maxTokens: 5 });
    expect(short.finishReason).toBe('length');
    expect(GENERATOR_SENTENCES.plain.startsWith(short.message.content)).toBe(true);
    // The fixture's margins are wide enough that sampling at 0.6 / top-p 0.9 says the same.
    expect((await generator.chat(plainAsk, { seed: 3 })).message.content).toBe(GENERATOR_SENTENCES.plain);
  });
});
