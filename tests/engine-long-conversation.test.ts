// Issue 11, item 10: a conversation longer than any context is judged, not refused. On the
// hand-wired guard (trained context 8192) with default options (longConversation 'truncate',
// maxContextSize, contextSize; only threads and the CPU are set), a 100k-token conversation whose
// last turn carries a trigger is unsafe (oldest turns dropped) with peak memory within ADR 0005's
// budget, and a huge single turn whose only trigger sits in its second window is unsafe too
// (overlapping windows).
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { createGuard, type Guard, type Message, VigilInputError } from '@vigil/guard-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processMemory } from '../packages/guard-core/src/engine/local/process-memory.js';
import { cutPoint, tokenizeChunked } from '../packages/guard-core/src/engine/local/tokenize-chunked.js';
import { textOfTokens } from '../scripts/bench/workload.js';
import {
  FIXTURE_PATHS,
  GUARD_TRIGGER_CLASSES,
  LLAMA3_VOCAB_SIZE,
} from '../scripts/fixtures/fixture-facts.js';

const bomb = GUARD_TRIGGER_CLASSES.find((entry) => entry.code === 'S9')?.words[0]?.text as string;

describe('long conversations on the hand-wired guard, default options', () => {
  let guard: Guard;

  /** RSS before the guard: Node, the test runner and this file's imports. */
  let rssBefore: number;

  beforeAll(async () => {
    // The model tests share one worker: its high-water mark may come from an earlier file. Reset
    // it (Linux: "5" to clear_refs), so that the peak below is this file's.
    try {
      writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      // Not Linux, or not allowed: the peak may then count an earlier file's, and read high.
    }
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
    // The defaults: pooled sequences of 2,048 tokens, a long context up to min(maxContextSize
    // 16,384, the fixture's trained 8,192), 16 tokens kept for the answer.
    expect([guard.model.contextSize, guard.model.maxPromptTokens]).toEqual([2048, 8192 - 16]);

    // Peak memory (VmHWM, the process's high-water mark) within the budget ADR 0005 documents:
    // peak RSS = the file + the pooled KV + the model-independent overhead (Node, the 128k-token
    // vocabulary, one compute buffer: about 340 MB), and a long conversation adds its context's
    // KV. The KV figures come from the fixture's own shape (guard.memory() reads layers, KV
    // heads and head sizes from the GGUF: 1 KB a token here, 32 KB for the 1B): 4 x 2,048 tokens
    // pooled, at most 8,192 for the long context. The long context also has a compute buffer of
    // its own, added here as the ADR does not count it: up to one micro-batch of 128,256 logits
    // x 4 bytes a row, and the default micro-batch is 512 rows since ADR 0015 (it was 128).
    const memory = guard.memory();
    const kvBytesPerToken = memory.kvBytesPerToken as number;
    expect(memory.kvCache).toBe(4 * 2048 * kvBytesPerToken);
    expect(memory.longContextKvCache).toBeLessThanOrEqual(8192 * kvBytesPerToken);
    const computeBuffer = 512 * LLAMA3_VOCAB_SIZE * 4;
    const budget =
      statSync(FIXTURE_PATHS.tinyGuard).size +
      (memory.kvCache as number) +
      8192 * kvBytesPerToken +
      computeBuffer +
      340 * 2 ** 20;
    // The peak counts the test runner too, which is no part of the budget: it is taken as the
    // growth since before createGuard() plus a bare Node process's RSS (the budget's "Node").
    const bareNode = Number(
      execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage().rss))']),
    );
    const peak = (processMemory().peakRss ?? processMemory().rss) - rssBefore + bareNode;
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    console.log(`peak RSS (Node + guard) ${mb(peak)} MB, budget ${mb(budget)} MB`);
    expect(peak).toBeLessThan(budget);
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
