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
});
