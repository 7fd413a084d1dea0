import { describe, expect, it } from 'vitest';
import { hasTextToJudge, readRequest, requestChecks } from './read-request.js';

const read = (body: unknown, path = '/v1/chat/completions', headers = {}) => readRequest(body, path, headers);

describe('readRequest', () => {
  it('reads chat and Anthropic messages, roles passed on as they are', () => {
    const messages = [
      { role: 'system', content: 'sys' },
      { role: 'User', content: 'Hi' },
    ];
    expect(read({ messages })).toEqual({
      kind: 'conversations',
      protocol: 'openai-chat',
      conversations: [messages],
    });
    expect(read({ system: 'x', messages }, '/v1/messages')).toMatchObject({ protocol: 'anthropic-messages' });
    expect(read({ messages }, '/anything', { 'anthropic-version': '2023-06-01' })).toMatchObject({
      protocol: 'anthropic-messages',
    });
  });

  it('reads Responses input and completions prompts, each prompt on its own', () => {
    expect(
      read({
        instructions: 'x',
        input: ['a', { role: 'user', content: 'b' }, { type: 'function_call_output' }],
      }),
    ).toEqual({
      kind: 'conversations',
      protocol: 'openai-responses',
      conversations: [
        [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      ],
    });
    expect(read({ prompt: ['a', 'b'] })).toMatchObject({
      protocol: 'openai-completions',
      conversations: [[{ role: 'user', content: 'a' }], [{ role: 'user', content: 'b' }]],
    });
    expect(read('plain')).toMatchObject({
      protocol: 'text',
      conversations: [[{ role: 'user', content: 'plain' }]],
    });
  });

  it('judges every field an upstream may read', () => {
    const reading = read({ messages: [{ role: 'user', content: 'benign' }], prompt: 'unsafe' });
    expect(reading).toMatchObject({ conversations: [[{ content: 'benign' }], [{ content: 'unsafe' }]] });
  });

  it('refuses token ids and odd shapes, and says when nothing is recognised', () => {
    expect(read({ prompt: [4438, 311] })).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringMatching(/token ids/),
    });
    expect(read({ prompt: [[4438], [311]] })).toMatchObject({ kind: 'unreadable' });
    expect(read({ prompt: 7 })).toMatchObject({ kind: 'unreadable' });
    expect(read({ messages: 'hi' })).toMatchObject({ kind: 'unreadable' });
    expect(read({ input: 7 })).toMatchObject({ kind: 'unreadable' });
    expect(read({ model: 'm' })).toMatchObject({ kind: 'unrecognized' });
    expect(read([1, 2])).toMatchObject({ kind: 'unrecognized' });
    expect(read({ input: 'Hi' })).toMatchObject({ conversations: [[{ role: 'user', content: 'Hi' }]] });
  });
});

describe('issue 24: nothing an upstream reads is left out', () => {
  it('passes every message on, a missing, non-string or __proto__ role included, for the guard to refuse', () => {
    const messages = JSON.parse(
      '[{"role":"user","content":"a"},{"content":"b"},{"role":7,"content":"c"},{"__proto__":{"role":"user"},"content":"d"}]',
    );
    expect(read({ messages })).toMatchObject({ conversations: [messages] });
    expect(hasTextToJudge([messages[3]])).toBe(true);
    const input = [{ role: 'user', content: 'a' }, { type: 'message', content: 'b' }, { content: 'c' }, 3];
    expect(read({ input: [...input, { type: 'function_call_output', output: 'x' }] })).toMatchObject({
      conversations: [input],
    });
  });

  it('reads the suffix of a completions request with each prompt', () => {
    expect(read({ prompt: ['a', 'b'], suffix: 'z' })).toMatchObject({
      conversations: [
        [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'z' },
        ],
        [
          { role: 'user', content: 'b' },
          { role: 'user', content: 'z' },
        ],
      ],
    });
    expect(read({ prompt: 'a', suffix: null })).toMatchObject({ conversations: [[{ content: 'a' }]] });
    expect(read({ prompt: 'a', suffix: 3 })).toMatchObject({ kind: 'unreadable' });
  });

  it('judges a trailing assistant message (a prefill) as the assistant turn, besides the user turn', () => {
    const user = { role: 'user', content: 'a' };
    const prefill = { role: 'assistant', content: 'b' };
    expect(requestChecks([user, prefill]).map((check) => check.role)).toEqual(['user', 'assistant']);
    expect(requestChecks([user]).map((check) => check.role)).toEqual(['user']);
    expect(requestChecks([user, { role: 'assistant', content: ' ' }]).map((check) => check.role)).toEqual([
      'user',
    ]);
    expect(requestChecks([prefill]).map((check) => check.role)).toEqual(['assistant']);
    expect(requestChecks([{ role: 'system', content: 'x' }]).map((check) => check.role)).toEqual(['user']);
  });
});

describe('hasTextToJudge', () => {
  it('finds text outside instruction messages, in any role spelling and any part', () => {
    expect(hasTextToJudge([{ role: 'user', content: ' ' }])).toBe(false);
    expect(hasTextToJudge([{ role: 'SYSTEM', content: 'x' }])).toBe(false);
    expect(hasTextToJudge([{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }])).toBe(false);
    expect(hasTextToJudge([{ role: 'Human', content: 'x' }])).toBe(true);
    expect(hasTextToJudge([{ role: 'user', content: [{ type: 'reasoning', text: 'x' }] }])).toBe(true);
    // guard-core's judged text: refusal parts count; a role the guard does not know, or content it
    // cannot read, goes to the guard (which rejects it), never skipped.
    expect(hasTextToJudge([{ role: 'assistant', content: [{ type: 'refusal', refusal: 'x' }] }])).toBe(true);
    expect(hasTextToJudge([{ role: 'narrator', content: 'x' }])).toBe(true);
    expect(hasTextToJudge([{ role: 'narrator', content: ' ' }])).toBe(false);
    expect(hasTextToJudge([{ role: 'user', content: 42 as never }])).toBe(true);
  });
});
