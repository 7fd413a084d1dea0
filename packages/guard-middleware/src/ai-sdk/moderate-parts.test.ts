import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine, type ScriptedEngineOptions } from '@vigil/guard-core/testing';
import { describe, expect, it } from 'vitest';
import type { VigilDecision } from '../core/decision.js';
import { moderateParts, type PartsModerationOptions } from './moderate-parts.js';

type Part = LanguageModelV3StreamPart;
const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};
const finish: Part = { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage };
const deltas = (id: string, ...pieces: string[]): Part[] => [
  { type: 'text-start', id },
  ...pieces.map((delta): Part => ({ type: 'text-delta', id, delta })),
  { type: 'text-end', id },
];

function source(parts: Part[], failAfter?: number): ReadableStream<Part> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && index === failAfter)
        return controller.error(new Error('upstream reset'));
      const part = parts[index++];
      if (part) controller.enqueue(part);
      else controller.close();
    },
  });
}

async function run(
  parts: Part[],
  options: Partial<PartsModerationOptions> = {},
  engine: ScriptedEngineOptions = {},
  failAfter?: number,
) {
  const guard = await createGuard({ engine: createScriptedEngine(engine) });
  const decisions: VigilDecision[] = [];
  const out: Part[] = [];
  const moderated = moderateParts(source(parts, failAfter), {
    guard,
    conversation: [{ role: 'user', content: 'Go on.' }],
    mode: 'block',
    strategy: 'buffer',
    checkTokens: 64,
    timeoutMs: 1000,
    failMode: 'closed',
    categories: undefined,
    judge: { toolCalls: true, reasoning: true, toolResults: true },
    signal: undefined,
    requestMetadata: undefined,
    blockedEnding: () => [],
    onDecision: (decision) => decisions.push(decision),
    ...options,
  });
  for await (const part of moderated) out.push(part);
  return { out, decisions };
}

const texts = (parts: Part[]) =>
  parts.map((part) => ('delta' in part ? part.delta : `<${part.type}>`)).join('');

describe('moderateParts', () => {
  it('buffer: splits a delta at the checked word boundary and closes the open block on a cut', async () => {
    const { out, decisions } = await run([
      ...deltas('t', 'Fine so far. And then the bo', 'mb. More text.'),
      finish,
    ]);
    expect(texts(out)).toBe('<text-start>Fine so far. And then the <text-end><finish>');
    expect(out.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'content-filter' } });
    expect(decisions).toMatchObject([{ action: 'block', streamed: true }]);
  });

  it('buffer: raw chunks go only after the whole answer has passed, and never after a cut', async () => {
    const raw = (text: string): Part => ({
      type: 'raw',
      rawValue: { choices: [{ delta: { content: text } }] },
    });
    const safe = await run([raw('Hello '), ...deltas('t', 'Hello '), raw('there.'), finish]);
    expect(safe.out.map((part) => part.type)).toEqual([
      'text-start',
      'text-delta',
      'text-end',
      'raw',
      'raw',
      'finish',
    ]);
    const unsafe = await run([raw('A bomb.'), ...deltas('t', 'A bomb.'), finish]);
    expect(unsafe.out.some((part) => part.type === 'raw')).toBe(false);
  });

  it('keeps unjudged parts in order behind held text', async () => {
    const parts: Part[] = [
      { type: 'reasoning-start', id: 'r' },
      { type: 'reasoning-delta', id: 'r', delta: 'a bomb thought' },
      { type: 'reasoning-end', id: 'r' },
      ...deltas('t', 'Safe answer.'),
      finish,
    ];
    const { out } = await run(parts, { judge: { toolCalls: true, reasoning: false, toolResults: true } });
    expect(texts(out)).toBe(
      '<reasoning-start>a bomb thought<reasoning-end><text-start>Safe answer.<text-end><finish>',
    );
  });

  it('judges a whole tool call, a provider-executed tool result and a text file before they leave', async () => {
    const call: Part = {
      type: 'tool-call',
      toolCallId: 'c',
      toolName: 'search',
      input: '{"q":"bomb parts"}',
    };
    const blocked = await run([call, finish]);
    expect(blocked.out.map((part) => part.type)).toEqual(['finish']);
    const result: Part = {
      type: 'tool-result',
      toolCallId: 'c',
      toolName: 'search',
      result: { page: 'kill list' },
    };
    const cut = await run([...deltas('t', 'Searching. '), result, finish]);
    expect(texts(cut.out)).toBe('<text-start>Searching. <text-end><finish>');
    const file: Part = {
      type: 'file',
      mediaType: 'text/plain',
      data: Buffer.from('a bomb manual').toString('base64'),
    };
    expect((await run([file, finish])).out.map((part) => part.type)).toEqual(['finish']);
    const allowed = await run([result, finish], {
      judge: { toolCalls: true, reasoning: true, toolResults: false },
    });
    expect(allowed.out.map((part) => part.type)).toEqual(['tool-result', 'finish']);
  });

  it('progressive: releases whole words at once, holding an unfinished one', async () => {
    const { out } = await run([...deltas('t', 'Hel', 'lo wor', 'ld, fine.'), finish], {
      strategy: 'progressive',
    });
    expect(
      out.filter((part) => part.type === 'text-delta').map((part) => ('delta' in part ? part.delta : '')),
    ).toEqual(['Hello ', 'world, ', 'fine.']);
  });

  it('annotate and shadow pass every part as it comes, the verdict after', async () => {
    const parts = [...deltas('t', 'A bo', 'mb story.'), finish];
    const annotated = await run(parts, { mode: 'annotate', requestMetadata: { action: 'allow' } });
    expect(texts(annotated.out)).toBe('<text-start>A bomb story.<text-end><finish>');
    expect(annotated.out.at(-1)).toMatchObject({
      providerMetadata: {
        vigil: { request: { action: 'allow' }, response: { action: 'flag', categories: ['S9'] } },
      },
    });
    const shadowed = await run(parts, { mode: 'shadow' });
    expect(shadowed.out.at(-1)).toEqual(finish);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shadowed.decisions).toMatchObject([{ action: 'flag' }]);
  });

  it('a provider stream that fails: the error goes on, the decision says the stream ended early', async () => {
    const decisions: VigilDecision[] = [];
    const failing = run(
      [...deltas('t', 'Some text. '), finish],
      { onDecision: (decision) => decisions.push(decision) },
      {},
      2,
    );
    await expect(failing).rejects.toThrow('upstream reset');
    expect(decisions).toMatchObject([{ action: 'skip', reason: 'stream ended early: upstream reset' }]);
  });
});

describe('moderateParts: text shown joined is judged joined', () => {
  it('judges a word split across two text parts (and across a text-end) as one word', async () => {
    const engine = { rules: [{ match: 'UNSAFEWORD', code: 'S1' }] };
    const { out, decisions } = await run(
      [...deltas('a', 'Say UNSAFE'), ...deltas('b', 'WORD now.'), finish],
      {},
      engine,
    );
    const shown = out.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');
    expect(shown).not.toContain('UNSAFEWORD');
    expect(decisions).toMatchObject([{ action: 'block' }]);
  });
});
