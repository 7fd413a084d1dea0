import { describe, expect, it } from 'vitest';
import { VigilConfigError } from '../../errors.js';
import { createLocalEngine } from './index.js';

describe('createLocalEngine', () => {
  it('validates its options before loading anything, naming the option at fault', async () => {
    await expect(createLocalEngine({ model: 'missing.gguf', contextSize: 16 })).rejects.toThrow(
      'createLocalEngine options.contextSize: Too small: expected number to be >=256',
    );
    await expect(
      createLocalEngine({ model: 'missing.gguf', notAnOption: 1 } as unknown as { model: string }),
    ).rejects.toSatisfy(VigilConfigError.isInstance);
  });
});
