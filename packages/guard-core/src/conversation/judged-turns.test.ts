import { describe, expect, it } from 'vitest';
import { judgedTurns } from './judged-turns.js';

describe('judgedTurns', () => {
  const messages = [
    { role: 'system', content: 'be nice' },
    { role: 'user', content: 'Hi' },
    { role: 'Human', content: [{ type: 'text', text: 'there' }] },
    { role: 'assistant', content: null },
    { role: 'tool', content: 'result' },
    { role: 'User', content: 'question' },
    {
      role: 'gpt',
      content: [
        { type: 'text', text: 'an' },
        { type: 'text', text: 'swer' },
      ],
    },
  ];

  it('lists runs of same-role messages with text: first and last index, text as judged', () => {
    expect(judgedTurns(messages)).toEqual([
      { role: 'user', start: 1, end: 2, text: 'Hi\n\nthere' },
      { role: 'user', start: 5, end: 5, text: 'question' },
      { role: 'assistant', start: 6, end: 6, text: 'answer' },
    ]);
    expect(judgedTurns(messages, { role: 'assistant' })).toEqual([
      { role: 'assistant', start: 6, end: 6, text: 'answer' },
    ]);
  });

  it('rejects an unknown role', () => {
    expect(() => judgedTurns([{ role: 'robot', content: 'x' }])).toThrow(
      "messages[0] (role 'robot'): unknown role",
    );
  });
});
