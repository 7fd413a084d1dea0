import { describe, expect, it } from 'vitest';
import { TextQueue } from './text-queue.js';

describe('TextQueue', () => {
  it('yields pushed pieces in order, including ones pushed while waiting', async () => {
    const queue = new TextQueue();
    queue.push('a');
    setTimeout(() => {
      queue.push('b');
      queue.push('');
      queue.end();
    }, 5);
    const pieces: string[] = [];
    for await (const piece of queue) pieces.push(piece);
    expect(pieces).toEqual(['a', 'b']);
  });

  it('throws the failure after the queued pieces', async () => {
    const queue = new TextQueue();
    queue.push('a');
    queue.fail(new Error('boom'));
    const pieces: string[] = [];
    await expect(async () => {
      for await (const piece of queue) pieces.push(piece);
    }).rejects.toThrow('boom');
    expect(pieces).toEqual(['a']);
  });
});
