import { describe, expect, it } from 'vitest';
import { defaultDraftModel, generatorOptionsSchema } from './generator-options.js';

const guard = { classify: async () => ({}) };
const draftOf = (draft: unknown) => generatorOptionsSchema.safeParse({ guard, draft });

describe('the draft option', () => {
  it('is off by default; {} is Llama 3.2 1B with node-llama-cpp’s knobs; lookup needs no model', () => {
    expect(generatorOptionsSchema.parse({ guard }).draft).toBe(false);
    expect(draftOf({}).data?.draft).toEqual({ model: defaultDraftModel, tokens: 16, minConfidence: 0.6 });
    expect(defaultDraftModel).toMatch(/^hf:.*Llama-3\.2-1B-Instruct-Q4_K_M\.gguf$/);
    expect(draftOf({ model: './d.gguf', tokens: 4, minConfidence: 0 }).data?.draft).toEqual({
      model: './d.gguf',
      tokens: 4,
      minConfidence: 0,
    });
    expect(draftOf('lookup').data?.draft).toBe('lookup');
  });

  it('rejects what it cannot mean', () => {
    for (const draft of [
      true,
      'draft.gguf',
      { tokens: 0 },
      { minConfidence: 2 },
      { model: '' },
      { size: 3 },
    ]) {
      expect(draftOf(draft).success, JSON.stringify(draft)).toBe(false);
    }
  });
});
