import {
  VigilAbortError,
  VigilConfigError,
  VigilEngineError,
  VigilInputError,
  VigilQueueFullError,
} from '@vigil/guard-core';
import { describe, expect, it } from 'vitest';
import { toChatHistory } from './local-backend.js';
import {
  createScriptedBackend,
  SAFE_PIECES,
  scriptedGenerator,
  UNSAFE_PIECES,
} from './scripted-backend.fixture.js';
import type { ChatPiece, VerdictEvent } from './types.js';

const ask = (content: string) => [{ role: 'user' as const, content }];
const safeText = SAFE_PIECES.join('');

async function collect(pieces: AsyncIterable<ChatPiece>) {
  const texts: string[] = [];
  for await (const piece of pieces) {
    if (piece.type === 'text') texts.push(piece.text);
    else return { texts, result: piece.result };
  }
  throw new Error('no end piece');
}

describe('createGuardedChat, block mode', () => {
  it('passes a safe chat untouched, every window checked', async () => {
    const { generator } = await scriptedGenerator();
    const { texts, result } = await collect(generator.stream(ask('Describe the garden.')));
    expect(texts.join('')).toBe(safeText);
    expect(result).toMatchObject({
      message: { role: 'assistant', content: safeText },
      finishReason: 'stop',
      refused: undefined,
      verdicts: { input: { safe: true, role: 'user' }, output: { safe: true, role: 'assistant' } },
      usage: { promptTokens: 10, completionTokens: SAFE_PIECES.length, totalTokens: 17 },
    });
    expect(result.usage.moderation.checks).toBeGreaterThan(2);
  });

  it('refuses unsafe input before generating anything', async () => {
    const { generator, backend } = await scriptedGenerator();
    const { texts, result } = await collect(generator.stream(ask('How do I build a bomb?')));
    expect(backend.calls).toHaveLength(0);
    expect(texts).toEqual(["Sorry, I can't help with that."]);
    expect(result).toMatchObject({
      finishReason: 'content_filter',
      refused: 'input',
      verdicts: { input: { safe: false, categories: [{ code: 'S9' }] }, output: undefined },
      usage: { promptTokens: 0, completionTokens: 0 },
    });
  });

  it('cuts unsafe output at the window holding it, stops generation, delivers nothing after', async () => {
    const { generator, backend } = await scriptedGenerator();
    const { texts, result } = await collect(generator.stream(ask('Tell me a story.')));
    expect(texts).toEqual(['Once upon a time. ', "\n\nSorry, I can't help with that."]);
    expect(result).toMatchObject({
      message: { content: "Once upon a time. \n\nSorry, I can't help with that." },
      finishReason: 'content_filter',
      refused: 'output',
      verdicts: { output: { safe: false, categories: [{ code: 'S9' }] } },
    });
    expect(backend.emitted[0]).toBeLessThan(UNSAFE_PIECES.length);
    expect(backend.aborted).toBe(1);
  });

  it('judges exactly the text the model reads: parts are one sentence to both', async () => {
    const { generator, backend, engine } = await scriptedGenerator();
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'text', text: 'Tell me a st' },
          { type: 'text', text: 'ory about a bo' },
          { type: 'text', text: 'mb' },
        ],
      },
    ];
    const read = toChatHistory(messages)[0];
    expect(read).toEqual({ type: 'user', text: 'Tell me a story about a bomb' });
    expect(engine.calls[0]).toBeUndefined();
    const result = await generator.chat(messages);
    expect(engine.calls[0]?.segments.conversation).toBe('User: Tell me a story about a bomb\n\n');
    expect(result).toMatchObject({ refused: 'input', verdicts: { input: { safe: false } } });
    expect(backend.calls).toHaveLength(0);
  });

  it('chat() returns what stream() delivers', async () => {
    const { generator } = await scriptedGenerator();
    const result = await generator.chat(ask('Tell me a story.'));
    expect(result.message.content).toBe("Once upon a time. \n\nSorry, I can't help with that.");
  });

  it('ends with length at maxTokens, and uses a custom refusal', async () => {
    const refusal = (context: { role: string; released: string }) =>
      `[${context.role}:${context.released.length}]`;
    const { generator } = await scriptedGenerator({ refusal });
    const result = await generator.chat(ask('Describe the garden.'), { maxTokens: 2 });
    expect(result).toMatchObject({ finishReason: 'length', message: { content: 'The sky is blue ' } });
    expect((await generator.chat(ask('a bomb?'))).message.content).toBe('[user:0]');
    expect((await generator.chat(ask('a story'))).message.content).toBe('Once upon a time. [assistant:18]');
  });
});

describe('createGuardedChat, annotate and shadow', () => {
  for (const mode of ['annotate', 'shadow'] as const) {
    it(`${mode}: lets everything through and reports the verdicts`, async () => {
      const events: VerdictEvent[] = [];
      const { generator, backend } = await scriptedGenerator({
        mode,
        onVerdict: (event) => events.push(event),
      });
      const result = await generator.chat(ask('Tell me a story about a bomb.'));
      expect(backend.calls).toHaveLength(1);
      expect(result.message.content).toBe(UNSAFE_PIECES.join(''));
      expect(result).toMatchObject({
        finishReason: 'stop',
        refused: undefined,
        verdicts: { input: { safe: false }, output: { safe: false } },
      });
      expect(events.map((event) => [event.role, event.action])).toEqual([
        ['user', 'flag'],
        ['assistant', 'flag'],
      ]);
    });
  }
});

describe('createGuardedChat, lifecycle', () => {
  it('aborts mid-stream: rejects, stops generation, frees the sequence', async () => {
    const { generator, backend } = await scriptedGenerator({ delayMs: 10 });
    const controller = new AbortController();
    const texts: string[] = [];
    await expect(async () => {
      for await (const piece of generator.stream(ask('Describe the garden.'), {
        signal: controller.signal,
      })) {
        if (piece.type === 'text') {
          texts.push(piece.text);
          controller.abort();
        }
      }
    }).rejects.toThrow(VigilAbortError);
    expect(texts.length).toBe(1);
    expect(backend.aborted).toBe(1);
    expect(generator.stats()).toMatchObject({ activeChats: 0, waiting: 0 });
    expect((await generator.chat(ask('Describe the garden.'))).message.content).toBe(safeText);
  });

  it('stops generating when the consumer stops reading', async () => {
    const { generator, backend } = await scriptedGenerator({ delayMs: 10 });
    for await (const piece of generator.stream(ask('Describe the garden.'))) {
      if (piece.type === 'text') break;
    }
    expect(backend.aborted).toBe(1);
    expect(generator.stats().activeChats).toBe(0);
  });

  it('queues chats on the pool and refuses past maxQueue', async () => {
    const backend = createScriptedBackend({ sequences: 1, delayMs: 5 });
    const { generator } = await scriptedGenerator({ backend, maxQueue: 1 });
    const first = generator.chat(ask('Describe the garden.'));
    const second = generator.chat(ask('Describe the garden.'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(generator.chat(ask('Describe the garden.'))).rejects.toThrow(VigilQueueFullError);
    expect((await first).message.content).toBe(safeText);
    expect((await second).message.content).toBe(safeText);
  });

  it('validates messages and options at the boundary', async () => {
    const { generator } = await scriptedGenerator();
    await expect(generator.chat([])).rejects.toThrow(VigilInputError);
    await expect(
      generator.chat([...ask('Hi'), { role: 'assistant', content: 'Hello' }]),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[VigilInputError: chat messages[1].role: expected the last message to be 'user', received 'assistant']`,
    );
    await expect(generator.chat(ask('Hi'), { temperature: -1 })).rejects.toThrow(VigilConfigError);
    await expect(generator.chat([{ role: 'tool', content: 'x' }] as never)).rejects.toThrow(
      /chat messages\[0\]\.role/,
    );
  });

  it('fails closed on a guard failure in block mode, open in annotate mode', async () => {
    const failing = { classify: async () => Promise.reject(new VigilEngineError('guard down')) };
    const blocked = await scriptedGenerator({ guard: failing });
    await expect(blocked.generator.chat(ask('Describe the garden.'))).rejects.toThrow('guard down');
    expect(blocked.backend.calls).toHaveLength(0);
    const open = await scriptedGenerator({ guard: failing, mode: 'annotate' });
    const result = await open.generator.chat(ask('Describe the garden.'));
    expect(result).toMatchObject({
      message: { content: safeText },
      finishReason: 'stop',
      verdicts: { input: undefined, output: undefined },
    });
  });

  it('counts chats by outcome', async () => {
    const { generator } = await scriptedGenerator({ delayMs: 5 });
    await generator.chat(ask('a bomb'));
    await generator.chat(ask('a story'));
    for await (const piece of generator.stream(ask('Describe the garden.'))) if (piece.type === 'text') break;
    expect(generator.stats()).toEqual({
      chats: 3,
      refusedInputs: 1,
      cutOutputs: 1,
      abortedChats: 1,
      activeChats: 0,
      waiting: 0,
      draft: { drafted: 0, accepted: 0, refuted: 0 },
    });
  });

  it("reports a drafting backend's counts per chat, and their sum in stats() (cut chats too)", async () => {
    const draft = { drafted: 5, accepted: 3, refuted: 2 };
    const { generator } = await scriptedGenerator({ backend: createScriptedBackend({ draft }) });
    const safe = await generator.chat(ask('Describe the garden.'));
    const cut = await generator.chat(ask('a story'));
    expect(safe.usage.draft).toEqual(draft);
    expect(cut).toMatchObject({ refused: 'output', usage: { draft } });
    expect(generator.stats().draft).toEqual({ drafted: 10, accepted: 6, refuted: 4 });
    const plain = await scriptedGenerator();
    expect((await plain.generator.chat(ask('Describe the garden.'))).usage.draft).toBeUndefined();
  });

  it('throws after dispose', async () => {
    const { generator } = await scriptedGenerator();
    await generator.dispose();
    await generator.dispose();
    await expect(generator.chat(ask('Hi'))).rejects.toThrow(/disposed/);
  });
});
