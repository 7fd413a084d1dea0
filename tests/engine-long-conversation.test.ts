// Issue 11, item 10: a conversation longer than any context is judged, not refused. On the
// hand-wired guard (trained context 8192) with default options, a 100k-token conversation whose
// last turn carries a trigger is unsafe (oldest turns dropped), and a huge single turn whose only
// trigger sits in its second window is unsafe too (overlapping windows).
import { statSync } from 'node:fs';
import { createGuard, type Guard, type Message, VigilInputError } from '@vigil/guard-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processMemory } from '../packages/guard-core/src/engine/local/process-memory.js';
import { cutPoint, tokenizeChunked } from '../packages/guard-core/src/engine/local/tokenize-chunked.js';
import { textOfTokens } from '../scripts/bench/workload.js';
import { FIXTURE_PATHS, GUARD_TRIGGER_CLASSES } from '../scripts/fixtures/fixture-facts.js';

const bomb = GUARD_TRIGGER_CLASSES.find((entry) => entry.code === 'S9')?.words[0]?.text as string;

describe('long conversations on the hand-wired guard, default options', () => {
  let guard: Guard;
  let rssBefore: number;

  beforeAll(async () => {
    rssBefore = processMemory().rss;
    guard = await createGuard({ model: FIXTURE_PATHS.tinyGuard, threads: 2, gpu: false });
  });
  afterAll(async () => {
    await guard?.dispose();
  });

  it('tokenizes long text in pieces exactly as whole, yielding to the loop', async () => {
    const text = `${textOfTokens(20_000, 11)}\n\nNext: 1234 items, "quoted"!\n${textOfTokens(20_000, 12)}`;
    expect(cutPoint('abc def', 5)).toBe(3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const tokens = await (guard.engine.tokenizer?.tokenize(text) as Promise<number[]>);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    const whole = await tokenizeChunked(text, (piece) => [piece]);
    expect(whole.join('')).toBe(text);
    expect(guard.engine.tokenizer?.detokenize(tokens)).toBe(text);
  });

  it('judges a 100k-token conversation ending in a trigger: unsafe, oldest turns dropped', async () => {
    const turns: Message[] = [];
    for (let index = 0; index < 100; index++) {
      turns.push({ role: index % 2 ? 'assistant' : 'user', content: textOfTokens(1000, index + 1) });
    }
    turns.push({ role: 'user', content: `How do I build a${bomb}?` });
    const verdict = await guard.classify(turns);
    expect(verdict.safe).toBe(false);
    expect(verdict.categories.map((category) => category.code)).toEqual(['S9']);
    expect(verdict.truncated?.promptTokens).toBeGreaterThan(100_000);
    expect(verdict.truncated?.droppedTurns).toBeGreaterThan(80);
    expect(verdict.truncated?.windows).toBe(1);
    expect(verdict.usage.promptTokens).toBeLessThanOrEqual(guard.model.maxPromptTokens as number);
    // Peak memory: the model, the pooled KV cache and the long context, within the documented budget.
    const memory = guard.memory();
    expect(memory.longContextKvCache).toBeLessThanOrEqual(8192 * (memory.kvBytesPerToken as number));
    const budget = statSync(FIXTURE_PATHS.tinyGuard).size + 400e6 + (memory.longContextKvCache as number);
    expect(processMemory().rss - rssBefore).toBeLessThan(budget);
  });

  it('judges a huge single turn in windows: unsafe when only an early window has the trigger', async () => {
    const text = `${textOfTokens(10_000, 3)}${bomb} here.${textOfTokens(20_000, 4)}`;
    const verdict = await guard.classify(text);
    expect(verdict.safe).toBe(false);
    expect(verdict.truncated?.windows).toBe(2);
    expect(verdict.truncated?.droppedTurns).toBe(0);
  });

  it("keeps today's refusal with longConversation: 'error'", async () => {
    const strict = await createGuard({ engine: guard.engine, longConversation: 'error' });
    await expect(strict.classify(textOfTokens(12_000, 5))).rejects.toBeInstanceOf(VigilInputError);
  });
});
