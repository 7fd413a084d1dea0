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
