// Issue 22: assisted generation. The tiny generator drafted by tiny-generator-draft.gguf (the same
// wiring on sentences with a few words changed: most guesses right, some refuted), by itself (every
// guess right) and by prompt lookup answers token for token as it does alone, and its stream
// moderator sees the same pieces and judges the same windows. A draft with another tokenizer is
// refused at load, naming both models.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type ChatMessage,
  type ChatResult,
  createGenerator,
  type GeneratorGuard,
  type GeneratorOptions,
} from '@vigil/generator';
import { createGuard, type Guard, VigilConfigError } from '@vigil/guard-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import {
  FIXTURE_PATHS,
  GENERATOR_DRAFT_SENTENCES,
  GENERATOR_SENTENCES,
  GENERATOR_STORY_TRIGGER,
  GENERATOR_SWITCH_WORDS,
  LLAMA3_TOKENS,
} from '../scripts/fixtures/fixture-facts.js';

const plainAsk: ChatMessage[] = [{ role: 'user', content: 'What is the weather like today?' }];
const storyAsk: ChatMessage[] = [
  { role: 'user', content: `Tell me a${GENERATOR_SWITCH_WORDS[0]?.text} please.` },
];
const drafts = {
  off: false,
  differentDraft: { model: FIXTURE_PATHS.tinyGeneratorDraft },
  sameModel: { model: FIXTURE_PATHS.tinyGenerator },
  lookup: 'lookup',
} as const satisfies Record<string, GeneratorOptions['draft']>;
type DraftName = keyof typeof drafts;

let guard: Guard;
let work: string;

beforeAll(async () => {
  await ensureTinyFixtures();
  guard = await createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 2,
    contextSize: 1024,
    verdictCacheSize: 0,
  });
  work = mkdtempSync(path.join(tmpdir(), 'vigil-draft-'));
});
afterAll(async () => {
  await guard?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** One chat, streamed: the pieces delivered, the answers the guard judged, the result. */
interface Run {
  pieces: string[];
  judged: string[];
  result: ChatResult;
}

/**
 * Runs every conversation on a generator with `draft`, greedy, streamed (and through `chat()` in
 * `'block'` mode).
 * In `'annotate'` mode every generated piece is delivered as it is pushed to the moderator, so
 * `pieces` is exactly what the moderator saw; in `'block'` mode `judged` holds the windows.
 */
async function runAll(draft: GeneratorOptions['draft'], mode: 'block' | 'annotate') {
  const judged: string[] = [];
  const recording: GeneratorGuard = {
    model: guard.model,
    engine: guard.engine,
    async classify(input, options) {
      if (options?.role === 'assistant' && Array.isArray(input)) {
        const last = (input as readonly ChatMessage[]).at(-1);
        judged.push(typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content));
      }
      return guard.classify(input, options);
    },
  };
  const generator = await createGenerator({
    guard: recording,
    model: FIXTURE_PATHS.tinyGenerator,
    threads: 2,
    contextSize: 1024,
    mode,
    temperature: 0,
    checkEvery: { tokens: 12 },
    draft,
  });
  try {
    const runs: Record<string, Run> = {};
    for (const [name, messages] of Object.entries({ plain: plainAsk, story: storyAsk })) {
      judged.length = 0;
      const pieces: string[] = [];
      let result: ChatResult | undefined;
      for await (const piece of generator.stream(messages)) {
        if (piece.type === 'text') pieces.push(piece.text);
        else result = piece.result;
      }
      runs[name] = { pieces, judged: [...judged], result: result as ChatResult };
      // Not streamed: the same answer (once per generator; annotate mode covers the pieces).
      if (mode === 'block') {
        runs[`${name} (chat)`] = { pieces: [], judged: [], result: await generator.chat(messages) };
      }
    }
    return { runs, stats: generator.stats(), model: generator.model, memory: generator.memory() };
  } finally {
    await generator.dispose();
  }
}

const results = new Map<string, Awaited<ReturnType<typeof runAll>>>();
async function cached(name: DraftName, mode: 'block' | 'annotate') {
  const key = `${name} ${mode}`;
  if (!results.has(key)) results.set(key, await runAll(drafts[name], mode));
  return results.get(key) as Awaited<ReturnType<typeof runAll>>;
}

describe('draft: the same answers, the same moderation', () => {
  it('the draft fixture says other words than the chat model (so some of its guesses are refuted)', () => {
    expect(GENERATOR_DRAFT_SENTENCES.plain).not.toBe(GENERATOR_SENTENCES.plain);
    expect(GENERATOR_DRAFT_SENTENCES.story).not.toBe(GENERATOR_SENTENCES.story);
    expect(GENERATOR_DRAFT_SENTENCES.story).toContain(GENERATOR_STORY_TRIGGER.word);
  });

  it.each(['differentDraft', 'sameModel', 'lookup'] as const)(
    '%s: every generated piece, in order, as without a draft (annotate: what the moderator is pushed)',
    async (name) => {
      const off = await cached('off', 'annotate');
      const on = await cached(name, 'annotate');
      expect(on.runs.plain?.result.message.content).toBe(GENERATOR_SENTENCES.plain);
      expect(on.runs.story?.result.message.content).toBe(GENERATOR_SENTENCES.story);
      for (const [chat, run] of Object.entries(off.runs)) {
        expect(on.runs[chat]?.pieces, chat).toEqual(run.pieces);
        expect(on.runs[chat]?.result.message.content, chat).toBe(run.result.message.content);
        expect(on.runs[chat]?.result.usage.completionTokens, chat).toBe(run.result.usage.completionTokens);
      }
      expect(off.runs.plain?.pieces.length).toBeGreaterThan(25);
    },
  );

  it.each(['differentDraft', 'sameModel', 'lookup'] as const)(
    '%s: the same windows judged and the unsafe answer cut at the same point (block)',
    async (name) => {
      const off = await cached('off', 'block');
      const on = await cached(name, 'block');
      for (const [chat, run] of Object.entries(off.runs)) {
        expect(on.runs[chat]?.judged, chat).toEqual(run.judged);
        expect(on.runs[chat]?.pieces, chat).toEqual(run.pieces);
        expect(on.runs[chat]?.result.message.content, chat).toBe(run.result.message.content);
        expect(on.runs[chat]?.result.finishReason, chat).toBe(run.result.finishReason);
      }
      expect(off.runs.story?.result).toMatchObject({ finishReason: 'content_filter', refused: 'output' });
      expect(off.runs.story?.judged.length).toBeGreaterThanOrEqual(3);
      expect(off.runs.story?.judged.at(-1)).toContain(GENERATOR_STORY_TRIGGER.word);
    },
  );
});

describe('draft: counts in the open', () => {
  it('off: no draft counts, zeros in stats()', async () => {
    const off = await cached('off', 'annotate');
    expect(off.model.draft).toBeUndefined();
    expect(off.runs.plain?.result.usage.draft).toBeUndefined();
    expect(off.stats.draft).toEqual({ drafted: 0, accepted: 0, refuted: 0 });
    expect(off.memory.generator.draft).toBeUndefined();
  });

  it('a draft with other words: most guesses accepted, some refuted; stats() sums the chats', async () => {
    const on = await cached('differentDraft', 'annotate');
    const block = await cached('differentDraft', 'block');
    console.log(
      `differentDraft counts: ${JSON.stringify([on, block].map((run) => run.stats.draft))} (annotate, block)`,
    );
    expect(on.model.draft).toBe('tiny-generator-draft');
    expect(on.memory.generator.draft?.modelBytes).toBeGreaterThan(40e6);
    const usage = on.runs.plain?.result.usage.draft;
    // One guess a step: a right guess gives two tokens, so the guessed steps are every other
    // token, and a step without a guess (the draft still catching up after a refutation) shifts
    // them. Whether a changed word falls on a guessed step thus depends on timing: one chat may
    // meet none of its changed words (and a loaded run once met none of the five in its two
    // chats). The refutations are counted over every chat of both differentDraft runs (six
    // chats, fifteen changed words), the acceptances per chat.
    expect(usage?.accepted).toBeGreaterThan(usage?.refuted ?? 0);
    expect(usage?.drafted).toBe((usage?.accepted ?? 0) + (usage?.refuted ?? 0));
    expect((on.stats.draft?.refuted ?? 0) + (block.stats.draft?.refuted ?? 0)).toBeGreaterThan(0);
    const chats = Object.values(on.runs).map((run) => run.result.usage.draft);
    const sum = (key: 'drafted' | 'accepted' | 'refuted') =>
      chats.reduce((total, draft) => total + (draft?.[key] ?? 0), 0);
    expect(on.stats.draft).toEqual({
      drafted: sum('drafted'),
      accepted: sum('accepted'),
      refuted: sum('refuted'),
    });
  });

  it('the chat model as its own draft: every guess accepted', async () => {
    const on = await cached('sameModel', 'annotate');
    for (const run of Object.values(on.runs)) {
      // How many steps get a guess depends on timing (13-15 in the plain chat here):
      // the claim is that none is refuted, and that guesses were made.
      expect(run.result.usage.draft?.refuted).toBe(0);
      expect(run.result.usage.draft?.accepted).toBeGreaterThan(0);
    }
  });

  it('lookup: reports its counts, with no draft model in memory', async () => {
    const on = await cached('lookup', 'annotate');
    expect(on.model.draft).toBe('lookup');
    expect(on.memory.generator.draft).toBeUndefined();
    const usage = on.runs.plain?.result.usage.draft;
    expect(usage?.drafted).toBe((usage?.accepted ?? 0) + (usage?.refuted ?? 0));
  });
});

/** A copy of the draft fixture with `from` replaced by `to` (same length) at its first occurrence. */
function patchedDraft(name: string, from: Buffer, to: Buffer): string {
  const file = path.join(work, name);
  copyFileSync(FIXTURE_PATHS.tinyGeneratorDraft, file);
  const bytes = readFileSync(file);
  const at = bytes.indexOf(from);
  expect(at).toBeGreaterThan(0);
  to.copy(bytes, at);
  writeFileSync(file, bytes);
  return file;
}

/** A GGUF string as the file holds it: a u64 length, then the bytes. */
function ggufString(text: string) {
  const body = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(body.length));
  return Buffer.concat([length, body]);
}

describe('draft: a draft with another tokenizer is refused at load', () => {
  const load = (draftPath: string) =>
    createGenerator({
      guard,
      model: FIXTURE_PATHS.tinyGenerator,
      threads: 2,
      contextSize: 1024,
      draft: { model: draftPath },
    });

  it('another token text: refused, naming both models and the token', async () => {
    // ` story` (3446) renamed: the same size and special tokens, one text differs.
    const swapped = patchedDraft('swapped.gguf', ggufString('Ġstory'), ggufString('ĠStorY'));
    const error = await load(swapped).catch((caught: unknown) => caught);
    expect(VigilConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      `draft model '${swapped}' cannot draft for generator model '${FIXTURE_PATHS.tinyGenerator}': they must share a tokenizer: token 3446: expected "Ġstory" (the chat model's), received "ĠStorY"`,
    );
  });

  it('another EOS token: refused', async () => {
    const key = Buffer.from('tokenizer.ggml.eos_token_id');
    const value = (id: number) => {
      const bytes = Buffer.alloc(8);
      bytes.writeUInt32LE(4, 0); // GGUF type u32
      bytes.writeUInt32LE(id, 4);
      return Buffer.concat([key, bytes]);
    };
    const file = patchedDraft('eos.gguf', value(LLAMA3_TOKENS.eot), value(LLAMA3_TOKENS.endOfText));
    await expect(load(file)).rejects.toThrow(
      `they must share a tokenizer: EOS token: expected ${LLAMA3_TOKENS.eot} (the chat model's), received ${LLAMA3_TOKENS.endOfText}`,
    );
  });
});
