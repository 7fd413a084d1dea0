import { describe, expect, it } from 'vitest';
import { extractRequestMessages, hasText } from './extract-request.js';

describe('extractRequestMessages', () => {
  it('reads OpenAI chat and Anthropic messages (system left to the guard)', () => {
    const chat = {
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'Hi' },
      ],
    };
    expect(extractRequestMessages(chat)).toEqual(chat.messages);
    const anthropic = {
      system: 'ignored',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    };
    expect(extractRequestMessages(anthropic)).toEqual(anthropic.messages);
  });

  it('reads responses input, completions prompt and text', () => {
    expect(extractRequestMessages({ input: 'Hi' })).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(
      extractRequestMessages({
        instructions: 'x',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
          { type: 'function_call_output', output: '{}' },
        ],
      }),
    ).toEqual([{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }]);
    expect(extractRequestMessages({ prompt: ['a', 'b'] })).toEqual([{ role: 'user', content: 'a\nb' }]);
    expect(extractRequestMessages('plain')).toEqual([{ role: 'user', content: 'plain' }]);
    expect(extractRequestMessages({ other: 1 })).toBeUndefined();
  });

  it('knows when there is user text to judge', () => {
    expect(hasText([{ role: 'user', content: ' ' }], 'user')).toBe(false);
    expect(hasText([{ role: 'user', content: [{ type: 'image_url', url: 'x' }] }], 'user')).toBe(false);
    expect(hasText([{ role: 'user', content: [{ type: 'text', text: 'x' }] }], 'user')).toBe(true);
  });
});
