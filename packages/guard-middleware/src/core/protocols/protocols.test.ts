import { describe, expect, it } from 'vitest';
import { newMemory, protocols, readAnswer } from './protocols.js';
import type { JudgedFields } from './types.js';

const all: JudgedFields = { toolArguments: true, reasoning: true };
const none: JudgedFields = { toolArguments: false, reasoning: false };

describe('readAnswer', () => {
  it('reads every chat field, each choice on its own channel', () => {
    const body = {
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            content: [
              { type: 'text', text: 'A' },
              { type: 'reasoning', text: 'R' },
            ],
            refusal: 'no',
            reasoning_content: 'think',
            tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"q":"x"}' } }],
          },
        },
        { index: 1, message: { content: 'B' } },
      ],
    };
    expect(readAnswer(body, all)).toEqual({
      protocol: 'openai-chat',
      pieces: [
        { channel: 'c0:content', text: 'A' },
        { channel: 'c0:refusal', text: 'no' },
        { channel: 'c0:reasoning', text: 'think' },
        { channel: 'c0:reasoning', text: 'R' },
        { channel: 'c0:tool0', text: '{"q":"x"}' },
        { channel: 'c1:content', text: 'B' },
      ],
    });
    expect(readAnswer(body, none)?.pieces.map((piece) => piece.channel)).toEqual([
      'c0:content',
      'c0:refusal',
      'c1:content',
    ]);
  });

  it("reads an audio answer's transcript, in JSON and in a stream (a client shows it)", () => {
    const said = 'the words spoken';
    const answer = {
      object: 'chat.completion',
      choices: [{ index: 0, message: { audio: { transcript: said } } }],
    };
    expect(readAnswer(answer, none)?.pieces).toEqual([{ channel: 'c0:audio', text: said }]);
    const chunk = {
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { audio: { transcript: said } } }],
    };
    const memory = newMemory();
    const reading = protocols.map((protocol) => protocol.readEvent(chunk, none, memory)).find(Boolean);
    expect(reading?.pieces).toEqual([{ channel: 'c0:audio', text: said, views: ['p0:audio'] }]);
  });

  it('reads completions, Responses and Anthropic answers', () => {
    expect(readAnswer({ object: 'text_completion', choices: [{ text: 'T' }] }, all)).toMatchObject({
      protocol: 'openai-completions',
      pieces: [{ channel: 'c0:content', text: 'T' }],
    });
    const response = {
      object: 'response',
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'S' }] },
        {
          type: 'message',
          content: [
            { type: 'output_text', text: 'R' },
            { type: 'refusal', refusal: 'F' },
          ],
        },
        { type: 'function_call', arguments: '{"a":1}' },
      ],
    };
    expect(readAnswer(response, all)?.pieces).toEqual([
      { channel: 'o0:s0', text: 'S' },
      { channel: 'o1:c0', text: 'R' },
      { channel: 'o1:c1', text: 'F' },
      { channel: 'o2:args', text: '{"a":1}' },
    ]);
    const message = {
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'hm' },
        { type: 'text', text: 'C' },
        { type: 'tool_use', input: { q: 'x' } },
      ],
    };
    expect(readAnswer(message, all)).toEqual({
      protocol: 'anthropic-messages',
      pieces: [
        { channel: 'b0', text: 'hm' },
        { channel: 'b1', text: 'C' },
        { channel: 'b2', text: '{"q":"x"}' },
      ],
    });
    expect(readAnswer({ data: [] }, all)).toBeUndefined();
    expect(
      readAnswer(
        { choices: [{ message: { content: 'A' } }, { message: { content: 'B' } }] },
        all,
      )?.pieces.map((piece) => piece.text),
    ).toEqual(['A', 'B']);
  });
});

describe('readAnswer: texts shown joined', () => {
  it('judges several Responses output_text parts and Anthropic text blocks joined as well', () => {
    const parts = (...texts: string[]) => texts.map((text) => ({ type: 'output_text', text }));
    const response = { object: 'response', output: [{ type: 'message', content: parts('Say UN', 'SAFE') }] };
    expect(readAnswer(response, all)?.pieces.at(-1)).toEqual({ channel: '~text', text: 'Say UNSAFE' });
    const message = {
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'text', text: 'Say UN' },
        { type: 'text', text: 'SAFE' },
      ],
    };
    expect(readAnswer(message, all)?.pieces.at(-1)).toEqual({ channel: '~text', text: 'Say UNSAFE' });
    expect(readAnswer({ ...message, content: [{ type: 'text', text: 'one' }] }, all)?.pieces).toHaveLength(1);
  });
});

describe('readEvent', () => {
  const readEvent = (data: Record<string, unknown>, fields = all) => {
    const memory = newMemory();
    for (const protocol of protocols) {
      const reading = protocol.readEvent(data, fields, memory);
      if (reading) return reading;
    }
    return undefined;
  };

  it('reads chat deltas and closes a choice at its finish_reason', () => {
    expect(
      readEvent({
        object: 'chat.completion.chunk',
        choices: [
          {
            index: 2,
            delta: {
              content: [{ type: 'text', text: 'x' }],
              tool_calls: [{ index: 1, function: { arguments: '{' } }],
            },
            finish_reason: 'stop',
          },
        ],
      }),
    ).toEqual({
      protocol: 'openai-chat',
      pieces: [
        { channel: 'c2:content', text: 'x', views: ['p0:content'] },
        { channel: 'c2:tool1', text: '{', views: ['p0:tool1'] },
      ],
      snapshots: [],
      closes: ['c2:'],
      terminal: false,
    });
  });

  it('reads Responses events: deltas, done snapshots, terminal events, unknown deltas', () => {
    expect(
      readEvent({ type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'hi' }),
    ).toMatchObject({
      pieces: [{ channel: 'o1:c0', text: 'hi' }],
    });
    expect(
      readEvent({ type: 'response.output_text.done', output_index: 1, content_index: 0, text: 'hi' }),
    ).toMatchObject({
      snapshots: [{ channel: 'o1:c0', text: 'hi' }],
      closes: ['o1:c0'],
    });
    expect(
      readEvent({ type: 'response.function_call_arguments.delta', output_index: 2, delta: '{' }),
    ).toMatchObject({
      pieces: [{ channel: 'o2:args', text: '{' }],
    });
    expect(
      readEvent({ type: 'response.function_call_arguments.delta', output_index: 2, delta: '{' }, none),
    ).toMatchObject({
      pieces: [],
    });
    expect(readEvent({ type: 'response.audio.transcript.delta', delta: 'said' })).toMatchObject({
      pieces: [{ channel: 'o0:response.audio.transcript.delta', text: 'said' }],
    });
    expect(
      readEvent({ type: 'response.completed', response: { object: 'response', output: [] } }),
    ).toMatchObject({
      terminal: true,
    });
  });

  it('reads Anthropic events', () => {
    expect(
      readEvent({ type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'hm' } }),
    ).toMatchObject({
      protocol: 'anthropic-messages',
      pieces: [{ channel: 'b1', text: 'hm' }],
    });
    expect(
      readEvent({
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"' },
      }),
    ).toMatchObject({
      pieces: [{ channel: 'b1', text: '{"' }],
    });
    expect(readEvent({ type: 'content_block_stop', index: 1 })).toMatchObject({ closes: ['b1'] });
    expect(readEvent({ type: 'message_stop' })).toMatchObject({ terminal: true });
    expect(readEvent({ kind: 'mystery', text: 'x' })).toBeUndefined();
  });
});
