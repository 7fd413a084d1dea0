import { describe, expect, it } from 'vitest';
import { createPushable } from './pushable.js';

describe('createPushable', () => {
  it('yields pushed values in order, including ones pushed while waiting, and drops late ones', async () => {
    const queue = createPushable<string>();
    queue.push('a');
    setTimeout(() => {
      queue.push('b');
      queue.close();
      queue.push('c');
    }, 5);
    const values: string[] = [];
    for await (const value of queue) values.push(value);
    expect(values).toEqual(['a', 'b']);
  });

  it('throws the failure after the queued values', async () => {
    const queue = createPushable<string>();
    queue.push('a');
    queue.fail(new Error('boom'));
    const values: string[] = [];
    await expect(async () => {
      for await (const value of queue) values.push(value);
    }).rejects.toThrow('boom');
    expect(values).toEqual(['a']);
  });
});
