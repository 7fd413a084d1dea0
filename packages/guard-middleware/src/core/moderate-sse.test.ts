import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { describe, expect, it } from 'vitest';
import { parseSse, sseEvents, sseText } from '../fake-upstream.fixture.js';
import type { VigilDecision } from './decision.js';
import { moderateSse, type SseModerationOptions } from './moderate-sse.js';

/** The bytes of `text`, one byte per chunk: every multi-byte character is split. */
async function* byteByByte(text: string) {
  for (const byte of new TextEncoder().encode(text)) yield new Uint8Array([byte]);
}

async function run(events: string[], options: Partial<SseModerationOptions> = {}) {
  const decisions: VigilDecision[] = [];
  const guard = await createGuard({ engine: createScriptedEngine() });
  const decoder = new TextDecoder();
  let out = '';
  const moderated = moderateSse(byteByByte(events.join('')), {
    guard,
    conversation: [{ role: 'user', content: 'Hi' }],
    mode: 'block',
    strategy: 'buffer',
    checkTokens: 8,
    timeoutMs: 1000,
    failMode: 'closed',
    onDecision: (decision) => decisions.push(decision),
    ...options,
  });
  for await (const bytes of moderated) out += decoder.decode(bytes, { stream: true });
  return { out, decisions };
}

describe('moderateSse', () => {
  it('passes a safe stream byte for byte, even with characters split across chunks', async () => {
    const events = sseEvents('Crème brûlée — 日本語 is fine 😀. Enjoy it.', 3);
    const { out, decisions } = await run(events);
    expect(out).toBe(events.join(''));
    expect(decisions).toMatchObject([{ role: 'assistant', action: 'allow', streamed: true }]);
  });

  it('moderates each choice of an n>1 stream', async () => {
    const chunk = (index: number, content: string) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index, delta: { content } }] })}\n\n`;
    const events = [
      chunk(0, 'All calm here. '),
      chunk(1, 'I will kill '),
      chunk(0, 'More calm. '),
      'data: [DONE]\n\n',
    ];
    const { out } = await run(events);
    const parsed = parseSse(out);
    expect(out).not.toContain('kill');
    expect(parsed.at(-3)).toMatchObject({
      data: {
        choices: [
          { index: 0, finish_reason: 'content_filter' },
          { index: 1, finish_reason: 'content_filter' },
        ],
      },
    });
  });

  it('cuts with the 503 body when a check fails closed', async () => {
    const guard = { classify: async () => Promise.reject(new Error('guard down')) };
    const { out, decisions } = await run(sseEvents('Hello there. How are you?', 4), { guard });
    const parsed = parseSse(out);
    expect(sseText(parsed)).toBe('');
    expect(parsed.at(-2)).toMatchObject({
      event: 'error',
      data: { error: { code: 'moderation_unavailable' } },
    });
    expect(decisions[0]).toMatchObject({ action: 'fail-closed', reason: 'guard down' });
  });

  it('passes everything under failMode open', async () => {
    const guard = { classify: async () => Promise.reject(new Error('guard down')) };
    const events = sseEvents('Hello there. How are you?', 4);
    const { out, decisions } = await run(events, { guard, failMode: 'open' });
    expect(out).toBe(events.join(''));
    expect(decisions[0]?.action).toBe('fail-open');
  });
});

describe('moderateSse: every grouping a client makes is judged', () => {
  async function judge(events: object[]) {
    const engine = createScriptedEngine({ rules: [{ match: 'UNSAFEWORD', code: 'S1' }] });
    const guard = await createGuard({ engine, verdictCacheSize: 0 });
    const decisions: VigilDecision[] = [];
    let out = '';
    const text = events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');
    for await (const bytes of moderateSse(byteByByte(text), {
      guard,
      conversation: [{ role: 'user', content: 'Hi' }],
      mode: 'block',
      strategy: 'buffer',
      checkTokens: 64,
      timeoutMs: 1000,
      failMode: 'closed',
      onDecision: (decision) => decisions.push(decision),
    }))
      out += new TextDecoder().decode(bytes);
    return { out, decisions, checks: engine.calls.length };
  }
  const block = (index: number, text: string) => ({
    type: 'content_block_delta',
    index,
    delta: { type: 'text_delta', text },
  });
  const choice = (index: number, content: string) => ({ index, delta: { content }, finish_reason: null });

  it('judges Anthropic text blocks joined, as the SDK `text` events show them', async () => {
    const { out, decisions } = await judge([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      block(0, 'Say UNSAFE'),
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      block(1, 'WORD now.'),
      { type: 'content_block_stop', index: 1 },
      { type: 'message_stop' },
    ]);
    expect(out).not.toContain('WORD now');
    expect(decisions).toMatchObject([{ action: 'block' }]);
  });

  it("judges choices[0] of every chunk joined, as the AI SDK reads it, whatever the choice's index", async () => {
    const { out, decisions } = await judge([
      { choices: [choice(0, 'Say UNSAFE'), choice(1, 'x')] },
      { choices: [choice(1, 'WORD now.')] },
      { choices: [choice(0, ' fine.')] },
    ]);
    expect(out).not.toContain('WORD now');
    expect(decisions).toMatchObject([{ action: 'block' }]);
  });

  it('refuses an index clients disagree on, and costs no extra checks on an ordinary stream', async () => {
    const odd = await judge([{ choices: [{ index: 0.5, delta: { content: 'Hi' } }] }]);
    expect(odd.decisions).toMatchObject([{ action: 'fail-closed' }]);
    const plain = await judge([
      { choices: [choice(0, 'Hello ')] },
      { choices: [choice(0, 'there')] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]);
    expect(plain.decisions).toMatchObject([{ action: 'allow' }]);
    expect(plain.checks).toBe(1);
  });
});
