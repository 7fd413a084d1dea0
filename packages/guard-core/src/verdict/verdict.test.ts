import { describe, expect, it } from 'vitest';
import { answerText } from '../engine/answer-text.js';
import type { ScoreResult } from '../engine/types.js';
import { resolvePolicy } from '../policy/policy.js';
import { buildVerdict } from './verdict.js';

const usage = { promptTokens: 1, evaluatedTokens: 1, cachedTokens: 0 };
const score = (unsafeProbability: number | null, codes: string[]): ScoreResult => ({
  unsafeProbability,
  probabilitySource: unsafeProbability === null ? 'text' : 'logprobs',
  codes,
  raw: answerText(codes),
  usage,
});

describe('buildVerdict with per-category thresholds', () => {
  const policy = resolvePolicy({
    threshold: 0.5,
    thresholds: { S6: 0.85, S1: 0.3 },
    excludeCategories: ['S13'],
  });
  const verdict = (p: number | null, codes: string[]) => buildVerdict(score(p, codes), policy, 'user', 0);

  it('a named code fires at its own threshold, others at the default', () => {
    expect(verdict(0.7, ['S6'])).toMatchObject({
      safe: true,
      categories: [],
      ignoredCategories: ['S6'],
    });
    expect(verdict(0.85, ['S6'])).toMatchObject({ safe: false, categories: [{ code: 'S6' }] });
    expect(verdict(0.35, ['S1'])).toMatchObject({ safe: false, categories: [{ code: 'S1' }] });
    expect(verdict(0.29, ['S1']).safe).toBe(true);
    expect(verdict(0.49, ['S9']).safe).toBe(true);
    expect(verdict(0.5, ['S9']).safe).toBe(false);
  });

  it('with several codes, any one reaching its threshold makes it unsafe and only those are listed', () => {
    const v = verdict(0.6, ['S6', 'S9']);
    expect(v.safe).toBe(false);
    expect(v.categories.map((c) => c.code)).toEqual(['S9']);
    expect(v.ignoredCategories).toEqual(['S6']);
  });

  it('no code named: the default threshold decides; codes outside the policy never fire', () => {
    expect(verdict(0.5, []).safe).toBe(false);
    expect(verdict(0.45, []).safe).toBe(true);
    expect(verdict(0.99, ['S13'])).toMatchObject({ safe: true, ignoredCategories: ['S13'] });
    expect(verdict(0.99, ['S13', 'S1'])).toMatchObject({ safe: false, ignoredCategories: ['S13'] });
  });

  it("without a probability the model's answer decides: a code in force makes it unsafe", () => {
    expect(verdict(null, ['S6'])).toMatchObject({ safe: false, categories: [{ code: 'S6' }] });
    expect(verdict(null, []).safe).toBe(true);
    expect(verdict(null, ['S13'])).toMatchObject({ safe: true, ignoredCategories: ['S13'] });
  });

  it('without per-category thresholds the rule is the plain threshold', () => {
    const plain = resolvePolicy({ threshold: 0.7 });
    expect(buildVerdict(score(0.69, ['S1']), plain, 'user', 0).safe).toBe(true);
    expect(buildVerdict(score(0.7, ['S1']), plain, 'user', 0).safe).toBe(false);
  });
});
