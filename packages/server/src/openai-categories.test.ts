import { builtinCategories, type Verdict } from '@vigil/guard-core';
import { describe, expect, it } from 'vitest';
import { openAIModerationKeys, sCodeToOpenAI, toOpenAIModeration } from './openai-categories.js';

function verdict(categories: Verdict['categories'], unsafeProbability: number | null = 0.8): Verdict {
  return {
    safe: categories.length === 0,
    role: 'user',
    unsafeProbability,
    probabilitySource: unsafeProbability === null ? 'text' : 'logprobs',
    categories,
    ignoredCategories: [],
    raw: '',
    usage: { promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 },
    durationMs: 0,
    cached: false,
  };
}

describe('sCodeToOpenAI', () => {
  it('maps every built-in code, onto OpenAI keys only', () => {
    expect(Object.keys(sCodeToOpenAI)).toEqual(builtinCategories.map((category) => category.code));
    for (const keys of Object.values(sCodeToOpenAI))
      for (const key of keys) expect(openAIModerationKeys).toContain(key);
  });
});

describe('toOpenAIModeration', () => {
  it('scores P(unsafe) x P(code | unsafe), summed over the codes of a key', () => {
    const result = toOpenAIModeration(
      verdict([
        { code: 'S1', name: 'Violent Crimes', probability: 0.5 },
        { code: 'S9', name: 'Indiscriminate Weapons', probability: 0.25 },
      ]),
    );
    expect(result.flagged).toBe(true);
    expect(result.category_scores.violence).toBeCloseTo(0.8 * 0.75);
    expect(result.category_scores['illicit/violent']).toBeCloseTo(0.6);
    expect(result.category_scores.hate).toBe(0);
    expect(result.categories.violence).toBe(true);
    expect(result.categories['violence/graphic']).toBe(false);
  });

  it('flags codes without an OpenAI key, with every key false', () => {
    const result = toOpenAIModeration(verdict([{ code: 'S6', name: 'Specialized Advice', probability: 1 }]));
    expect(result.flagged).toBe(true);
    expect(Object.values(result.categories).some(Boolean)).toBe(false);
  });

  it('uses P(unsafe), or 1, when the engine gave no category probability', () => {
    expect(toOpenAIModeration(verdict([{ code: 'S10', name: 'Hate' }])).category_scores.hate).toBe(0.8);
    expect(toOpenAIModeration(verdict([{ code: 'S10', name: 'Hate' }], null)).category_scores.hate).toBe(1);
  });

  it('scores a safe verdict 0 everywhere and applies text only', () => {
    const result = toOpenAIModeration(verdict([], 0.1));
    expect(result.flagged).toBe(false);
    expect(Object.values(result.category_scores)).toEqual(new Array(13).fill(0));
    expect(new Set(Object.values(result.category_applied_input_types).map((types) => types.join()))).toEqual(
      new Set(['text']),
    );
  });
});
