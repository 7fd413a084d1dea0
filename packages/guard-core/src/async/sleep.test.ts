import { describe, expect, it } from 'vitest';
import { VigilAbortError } from '../errors.js';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('waits, or rejects with VigilAbortError when aborted (before or while waiting, also forever)', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    for (const ms of [10_000, Number.POSITIVE_INFINITY]) {
      const controller = new AbortController();
      const pending = sleep(ms, controller.signal);
      controller.abort(new Error('stop'));
      await expect(pending).rejects.toSatisfy(VigilAbortError.isInstance);
      await expect(sleep(ms, controller.signal)).rejects.toThrow('classify: aborted');
    }
  });
});
