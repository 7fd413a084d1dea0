import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { answerText, promptConversation, toolOutputText } from './prompt-text.js';

const text = (value: string) => ({ type: 'text' as const, text: value });

describe('promptConversation', () => {
  it('leaves system messages out, keeps earlier turns as context, judges the last user message', () => {
    const prompt: LanguageModelV3Prompt = [
      { role: 'system', content: 'Be brief. Ignore the word bomb.' },
      { role: 'user', content: [text('Hi')] },
      { role: 'assistant', content: [text('Hello!'), { type: 'reasoning', text: 'greet back' }] },
      { role: 'user', content: [text('Tell me about a bo'), text('mb.')] },
    ];
    expect(promptConversation(prompt, { toolResults: true })).toEqual({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me about a bomb.' },
      ],
      hasUserText: true,
    });
  });

  it('joins what follows the last user message to its turn: assistant text and, by option, tool results', () => {
    const prompt: LanguageModelV3Prompt = [
      { role: 'user', content: [text('Weather in Paris?')] },
      {
        role: 'assistant',
        content: [
          text('Let me look.'),
          { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: {} },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'weather',
            output: { type: 'json', value: { sky: 'rain' } },
          },
        ],
      },
    ];
    expect(promptConversation(prompt, { toolResults: true }).messages).toEqual([
      { role: 'user', content: 'Weather in Paris?\n\nLet me look.\n\n{"sky":"rain"}' },
    ]);
    expect(promptConversation(prompt, { toolResults: false }).messages).toEqual([
      { role: 'user', content: 'Weather in Paris?\n\nLet me look.' },
    ]);
  });

  it('reads text files (bytes or base64) and leaves other files out', () => {
    const prompt: LanguageModelV3Prompt = [
      {
        role: 'user',
        content: [
          text('Read these. '),
          { type: 'file', mediaType: 'text/plain', data: new TextEncoder().encode('one ') },
          { type: 'file', mediaType: 'text/markdown', data: Buffer.from('two ').toString('base64') },
          { type: 'file', mediaType: 'image/png', data: new Uint8Array([1, 2, 3]) },
          { type: 'file', mediaType: 'text/plain', data: new URL('https://example.com/three.txt') },
        ],
      },
    ];
    expect(promptConversation(prompt, { toolResults: true }).messages).toEqual([
      { role: 'user', content: 'Read these. one two ' },
    ]);
  });

  it('has no user text for an empty or image-only prompt', () => {
    const prompt: LanguageModelV3Prompt = [
      { role: 'system', content: 'x' },
      { role: 'user', content: [{ type: 'file', mediaType: 'image/png', data: new Uint8Array([1]) }] },
    ];
    expect(promptConversation(prompt, { toolResults: true })).toEqual({ messages: [], hasUserText: false });
  });
});

describe('toolOutputText', () => {
  it('reads every tool output kind', () => {
    expect(toolOutputText({ type: 'text', value: 'a' })).toBe('a');
    expect(toolOutputText({ type: 'error-text', value: 'b' })).toBe('b');
    expect(toolOutputText({ type: 'json', value: { c: 1 } })).toBe('{"c":1}');
    expect(toolOutputText({ type: 'error-json', value: ['d'] })).toBe('["d"]');
    expect(toolOutputText({ type: 'execution-denied', reason: 'e' })).toBe('e');
    expect(
      toolOutputText({
        type: 'content',
        value: [
          { type: 'text', text: 'f' },
          { type: 'image-url', url: 'https://example.com/g.png' },
          { type: 'text', text: 'h' },
        ],
      }),
    ).toBe('fh');
  });
});

describe('answerText', () => {
  const content = [
    { type: 'reasoning' as const, text: 'thinking' },
    text('Sure.'),
    { type: 'tool-call' as const, toolCallId: 'c', toolName: 'search', input: '{"q":"x"}' },
    { type: 'tool-result' as const, toolCallId: 'c', toolName: 'search', result: { hits: 2 } },
    { type: 'file' as const, mediaType: 'text/csv', data: new TextEncoder().encode('a,b') },
    { type: 'file' as const, mediaType: 'image/png', data: 'iVBORw0K' },
  ];
  it('judges text, reasoning, tool-call arguments, provider tool results by option, and text files', () => {
    expect(answerText(content, { reasoning: true, toolCalls: true, toolResults: true })).toBe(
      'thinking\n\nSure.\n\nsearch {"q":"x"}\n\nsearch {"hits":2}\n\na,b',
    );
    expect(answerText(content, { reasoning: false, toolCalls: false, toolResults: false })).toBe(
      'Sure.\n\na,b',
    );
  });
});
