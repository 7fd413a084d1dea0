import { describe, expect, it } from 'vitest';
import { VigilInputError } from '../errors.js';
import { hasJudgedText, messageText } from './message-text.js';
import type { Message } from './types.js';

describe('messageText', () => {
  it('is a string content as is, and every part with text joined with nothing between', () => {
    expect(messageText({ role: 'user', content: '  as is \n' })).toBe('  as is \n');
    expect(
      messageText({
        role: 'assistant',
        content: [
          { type: 'text', text: 'a' },
          { type: 'image_url', image_url: { url: 'x' } },
          { type: 'input_text', text: 'b' },
          { type: 'output_text', text: 'c' },
          { type: 'refusal', refusal: 'd' },
          { type: 'thinking', thinking: 'e' },
          { type: 'reasoning_text', text: 'f' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'input_audio', input_audio: { data: '...' } },
          { type: 'made_up', text: 'g' },
        ],
      }),
    ).toBe('abcdefg');
    expect(messageText({ role: 'assistant', content: null })).toBe('');
  });

  it('reads the text of Anthropic document, search_result and tool_result blocks', () => {
    const text = (part: unknown) =>
      messageText({ role: 'user', content: [{ type: 'text', text: '>' }, part as never] });
    const source = { type: 'text', media_type: 'text/plain', data: 'body' };
    expect(text({ type: 'document', title: 'T', context: 'C', source })).toBe('>T\n\nC\n\nbody');
    expect(
      text({
        type: 'document',
        source: {
          type: 'content',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      }),
    ).toBe('>a\n\nb');
    expect(text({ type: 'document', source: { type: 'content', content: 'whole' } })).toBe('>whole');
    expect(
      text({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' } }),
    ).toBe('>');
    expect(
      text({
        type: 'search_result',
        source: 'https://x',
        title: 'T',
        content: [{ type: 'text', text: 'r' }],
      }),
    ).toBe('>T\n\nhttps://x\n\nr');
    expect(text({ type: 'tool_result', tool_use_id: 't', content: 'out' })).toBe('>out');
    // A stray `text` hides nothing.
    expect(text({ type: 'tool_result', text: '', content: 'out' })).toBe('>\n\nout');
    expect(text({ type: 'refusal', text: 'a', refusal: 'b' })).toBe('>a\n\nb');
    expect(text({ type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source }] })).toBe(
      '>body',
    );
    expect(() => text({ type: 'tool_result', content: [{ type: 'text' }] })).toThrow(
      "message (role 'user').content[1].content[0]: expected 'text' to be a string, received undefined",
    );
  });

  it("reads tool-call arguments as the message's text, after its content", () => {
    const calls = [
      { id: 'a', type: 'function', function: { name: 'f', arguments: '{"q":"x"}' } },
      { id: 'b', type: 'function', function: { name: 'g', arguments: { q: 'y' } } },
      { id: 'c', type: 'function', function: { name: 'h', arguments: '' } },
      null,
    ];
    const message = {
      role: 'assistant',
      content: 'Searching.',
      tool_calls: calls,
      function_call: { name: 'legacy', arguments: '{"z":1}' },
    } as Message;
    expect(messageText(message)).toBe('Searching.{"q":"x"}{"q":"y"}{"z":1}');
    const toolUse = [
      { type: 'tool_use', id: 't', name: 'f', input: { q: 'w' } },
      { type: 'tool_use', id: 'u', name: 'g', input: {} },
    ];
    expect(messageText({ role: 'assistant', content: toolUse })).toBe('{"q":"w"}');
    const onlyCalls = { role: 'assistant', content: null, tool_calls: calls } as Message;
    expect(hasJudgedText([onlyCalls], 'assistant')).toBe(true);
  });

  it.each([
    [
      { role: 'user', content: 3 },
      "message (role 'user'): expected content to be a string or a list of parts, received number",
    ],
    [
      { role: 'user', content: ['x'] },
      "message (role 'user').content[0]: expected a part object with a string 'type'",
    ],
    [
      { role: 'user', content: [{ type: 'output_text', text: { value: 'x' } }] },
      "message (role 'user').content[0]: expected 'text' to be a string, received object",
    ],
  ])('rejects malformed content (%#)', (message, error) => {
    expect(() => messageText(message as never)).toThrow(new VigilInputError(error));
  });
});

describe('hasJudgedText', () => {
  const messages: Message[] = [
    { role: 'User', content: [{ type: 'image_url', image_url: { url: 'x' } }] },
    { role: 'bot', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
    { role: 'user', content: [{ type: 'text', text: ' \u0085\u001f' }] },
  ];

  it('agrees with messageText on roles, part types and blank text', () => {
    expect(hasJudgedText(messages, 'assistant')).toBe(true);
    expect(hasJudgedText(messages, 'user')).toBe(false);
    expect(hasJudgedText([{ role: 'human', content: '\ufeff' }], 'user')).toBe(true);
    expect(hasJudgedText([{ role: 'system', content: 'hi' }], 'user')).toBe(false);
  });
});
