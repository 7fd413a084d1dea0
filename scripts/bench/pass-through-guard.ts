import type { GeneratorGuard } from '@vigil/generator';
import type { Verdict } from '@vigil/guard-core';

/** No moderation: a stand-in guard that answers safe at once (the plumbing still runs). */
export const passThrough: GeneratorGuard = {
  async classify(_input, options): Promise<Verdict> {
    return {
      safe: true,
      role: options?.role ?? 'assistant',
      unsafeProbability: 0,
      probabilitySource: 'logprobs',
      categories: [],
      ignoredCategories: [],
      raw: 'safe',
      usage: { promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 },
      durationMs: 0,
      cached: false,
    };
  },
};
