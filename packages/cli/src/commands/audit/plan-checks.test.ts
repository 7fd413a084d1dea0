import type { Message } from '@vigil/guard-core';
import { describe, expect, it } from 'vitest';
import { planChecks } from './plan-checks.js';

const chat: Message[] = [
  { role: 'system', content: 'be nice' },
  { role: 'user', content: 'hi' },
  { role: 'user', content: [{ type: 'text', text: 'there' }] },
  { role: 'assistant', content: 'hello' },
  { role: 'tool', content: 'result' },
  { role: 'assistant', content: '' },
  { role: 'user', content: 'bye' },
];

const summary = (checks: ReturnType<typeof planChecks>) =>
  checks.map((check) => `${check.turn} ${check.role} ${check.messages.length} ${check.excerpt}`);

describe('planChecks', () => {
  it('checks the last turn by default', () => {
    expect(summary(planChecks(chat))).toEqual(['6 user 7 bye']);
  });

  it('checks every turn, joining runs of one role, in the context before it', () => {
    expect(summary(planChecks(chat, { everyTurn: true }))).toEqual([
      '2 user 3 hi there',
      '5 assistant 6 hello',
      '6 user 7 bye',
    ]);
  });

  it('keeps to one role', () => {
    expect(summary(planChecks(chat, { role: 'assistant' }))).toEqual(['5 assistant 6 hello']);
    expect(planChecks([{ role: 'user', content: 'x' }], { role: 'assistant' })).toEqual([]);
  });

  it('cuts long excerpts', () => {
    const [check] = planChecks([{ role: 'user', content: `${'word '.repeat(50)}` }]);
    expect(check?.excerpt).toHaveLength(100);
    expect(check?.excerpt.endsWith('…')).toBe(true);
  });

  it('judges tool-call arguments as the assistant turn; a turn with nothing readable is planned as unreadable', () => {
    const toolCall = {
      role: 'assistant',
      content: null,
      tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{"q":"x"}' } }],
    } as Message;
    expect(summary(planChecks([{ role: 'user', content: 'hi' }, toolCall]))).toEqual([
      '1 assistant 2 {"q":"x"}',
    ]);
    const image: Message = { role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'x' } }] };
    const [check] = planChecks([{ role: 'user', content: 'hi' }, image], { role: 'assistant' });
    expect(check?.unreadable).toBe(
      'the assistant turn has no text Llama Guard can read (only parts of type image_url): not checked',
    );
    // A blank message is no turn at all: nothing there to check.
    const blank: Message = { role: 'assistant', content: ' ' };
    expect(planChecks([{ role: 'user', content: 'hi' }, blank], { role: 'assistant' })).toEqual([]);
  });
});
