import { describe, expect, it } from 'vitest';
import { prefillOf, withAnswer } from './prefill.js';

describe('prefillOf and withAnswer', () => {
  const user = { role: 'user', content: 'Tell me a story.' };

  it('continue a trailing assistant message (any alias, parts joined), else append a new one', () => {
    const prefill = { role: 'Model', content: [{ type: 'text', text: 'Sure, the bo' }] };
    expect(prefillOf([user, prefill])).toBe('Sure, the bo');
    expect(withAnswer([user, prefill], 'mb is')).toEqual([
      user,
      { role: 'assistant', content: 'Sure, the bomb is' },
    ]);
    expect(prefillOf([user])).toBeUndefined();
    expect(withAnswer([user], 'Hello')).toEqual([user, { role: 'assistant', content: 'Hello' }]);
    const system = { role: 'system', content: 'x' };
    expect(withAnswer([user, prefill, system], 'Hi').at(-1)).toEqual({ role: 'assistant', content: 'Hi' });
  });

  it('leave malformed conversations for the guard to name', () => {
    const broken = { role: 'assistant', content: 3 } as never;
    expect(() => prefillOf([user, broken])).toThrow(/expected content to be a string/);
    expect(withAnswer([user, broken], 'Hi')).toEqual([user, broken, { role: 'assistant', content: 'Hi' }]);
    expect(withAnswer([user, { content: 'x' } as never], 'Hi')).toHaveLength(3);
  });
});
