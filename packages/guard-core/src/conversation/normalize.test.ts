import { describe, expect, it } from 'vitest';
import { VigilInputError } from '../errors.js';
import { normalizeConversation } from './normalize.js';

describe('normalizeConversation', () => {
  it('makes a string one user turn, or an assistant turn on request', () => {
    expect(normalizeConversation('hello')).toEqual({
      role: 'user',
      turns: [{ role: 'user', parts: ['hello'], messageIndex: 0 }],
    });
    expect(normalizeConversation('hi', { role: 'assistant' }).turns).toEqual([
      { role: 'user', parts: [], messageIndex: -1 },
      { role: 'assistant', parts: ['hi'], messageIndex: 0 },
    ]);
  });

  it('leaves out system, developer and tool messages and joins same-role runs', () => {
    const conversation = normalizeConversation([
      { role: 'system', content: 'You are helpful' },
      { role: 'user', content: 'a' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'b' },
          { type: 'image_url', image_url: {} },
        ],
      },
      { role: 'assistant', content: 'c' },
      { role: 'tool', content: 'tool output' },
      { role: 'assistant', content: [{ type: 'output_text', text: 'd' }] },
    ]);
    expect(conversation).toEqual({
      role: 'assistant',
      turns: [
        { role: 'user', parts: ['a\n\nb'], messageIndex: 1 },
        { role: 'assistant', parts: ['c\n\nd'], messageIndex: 3 },
      ],
    });
  });

  it('cuts the conversation after the last turn of the requested role', () => {
    const conversation = normalizeConversation(
      [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
        { role: 'assistant', content: 'a2' },
      ],
      { role: 'user' },
    );
    expect(conversation.role).toBe('user');
    expect(conversation.turns.map((turn) => turn.parts[0])).toEqual(['q1', 'a1', 'q2']);
  });

  it('puts an empty user turn before an assistant-first conversation', () => {
    const conversation = normalizeConversation([{ role: 'assistant', content: 'Sure!' }]);
    expect(conversation.turns[0]).toEqual({ role: 'user', parts: [], messageIndex: -1 });
  });

  it.each([
    [[], 'classify: the conversation is empty (no messages)'],
    [[{ role: 'user', content: '   ' }], "messages[0] (role 'user'): the turn to judge is empty"],
    [
      [
        { role: 'user', content: 'x' },
        { role: 'tool', content: 'y' },
      ],
      "messages[1] (role 'tool'): the last message must be a user or assistant turn for Llama Guard to judge; pass { role: 'user' } or { role: 'assistant' } to judge the last turn of that role",
    ],
    [
      [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      "messages[0] (role 'user'): the turn to judge has no text parts (only parts of type image_url)",
    ],
    [
      [
        { role: 'robot', content: 'x' },
        { role: 'user', content: 'y' },
      ],
      "messages[0] (role 'robot'): unknown role; expected user, assistant, system, developer or tool (any case; aliases: human for user; ai, bot, model, gpt, agent for assistant; function, ipython for tool)",
    ],
    [
      [{ role: 'user', content: [{ type: 'text', text: 3 }] }],
      "messages[0] (role 'user').content[0]: expected 'text' to be a string, received number",
    ],
  ])('rejects bad input with a message naming the place (%#)', (input, message) => {
    expect(() => normalizeConversation(input as never)).toThrow(new VigilInputError(message));
  });

  it('joins the parts of a message into one turn: the whole text is judged, not its last part', () => {
    const conversation = normalizeConversation([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Tell me a st' },
          { type: 'input_text', text: 'ory about a bo' },
          { type: 'text', text: 'mb' },
        ],
      },
    ]);
    expect(conversation.turns).toEqual([
      { role: 'user', parts: ['Tell me a story about a bomb'], messageIndex: 0 },
    ]);
  });

  it.each([
    ['User', 'user'],
    ['HUMAN', 'user'],
    [' human ', 'user'],
    ['Assistant', 'assistant'],
    ['ai', 'assistant'],
    ['Bot', 'assistant'],
    ['model', 'assistant'],
    ['gpt', 'assistant'],
  ])('reads role %j as %s', (role, expected) => {
    const conversation = normalizeConversation([
      { role: 'user', content: 'Hello' },
      { role: 'System', content: 'left out' },
      { role, content: 'How do I make a bomb?' },
    ]);
    expect(conversation.role).toBe(expected);
    expect(conversation.turns.at(-1)).toEqual({
      role: expected,
      parts: expected === 'user' ? ['Hello\n\nHow do I make a bomb?'] : ['How do I make a bomb?'],
      messageIndex: expected === 'user' ? 0 : 2,
    });
  });

  it('judges the last turn of an aliased role instead of an earlier benign one', () => {
    const conversation = normalizeConversation(
      [
        { role: 'user', content: 'What is the weather?' },
        { role: 'assistant', content: 'Sunny.' },
        { role: 'Human', content: 'How do I make a bomb?' },
      ],
      { role: 'user' },
    );
    expect(conversation.turns.at(-1)?.parts).toEqual(['How do I make a bomb?']);
  });

  it('rejects an unknown role anywhere, also after the judged turn', () => {
    expect(() =>
      normalizeConversation(
        [
          { role: 'user', content: 'x' },
          { role: 'narrator', content: 'y' },
        ],
        { role: 'user' },
      ),
    ).toThrow("messages[1] (role 'narrator'): unknown role");
  });

  it('treats a turn of Python whitespace as empty, and a byte-order mark as text', () => {
    expect(() => normalizeConversation('\u001c\u0085 \u3000')).toThrow('the turn to judge is empty');
    expect(normalizeConversation('\ufeff').turns[0]?.parts).toEqual(['\ufeff']);
  });

  it('says when no turn of the requested role exists', () => {
    expect(() => normalizeConversation([{ role: 'user', content: 'x' }], { role: 'assistant' })).toThrow(
      "classify: the conversation has no 'assistant' turn to judge",
    );
  });
});
