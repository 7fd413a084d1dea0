import { describe, expect, it } from 'vitest';
import {
  bestKnownCode,
  codeProbabilities,
  decodeCodes,
  skipLeadingWhitespace,
  startsWithUnsafeCodeLine,
  verdictScore,
} from './answer-logprobs.js';

const choice = (token: string, probability: number) => ({ token, logprob: Math.log(probability) });
const step = (token: string, ...top: { token: string; logprob: number }[]) => ({ token, top });

describe('verdictScore', () => {
  it('is P(unsafe) / (P(safe) + P(unsafe)) when both are listed', () => {
    const score = verdictScore([choice('unsafe', 0.6), choice('safe', 0.2), choice('Safe', 0.1)]);
    expect(score?.source).toBe('logprobs');
    expect(score?.value).toBeCloseTo(0.75, 12);
  });

  it('bounds a missing safe by the smallest listed and the unlisted mass, nearest 0.5', () => {
    // P(safe) <= min(0.05, 1 - 0.95) = 0.05: the ratio is at least 0.9 / 0.95.
    const score = verdictScore([choice('unsafe', 0.9), choice(' unsafe', 0.05)]);
    expect(score).toEqual({ value: expect.closeTo(0.9 / 0.95, 12), source: 'bounded' });
  });

  it('bounds a missing unsafe from above', () => {
    // P(unsafe) <= min(0.1, 1 - 0.8) = 0.1: the ratio is at most 0.1 / 0.8.
    const score = verdictScore([choice('safe', 0.7), choice('Safe', 0.1)]);
    expect(score).toEqual({ value: expect.closeTo(0.1 / 0.8, 12), source: 'bounded' });
  });

  it('is undefined when neither verdict token is listed', () => {
    expect(verdictScore([choice('Hello', 0.9)])).toBeUndefined();
  });

  it('survives log probabilities of zero probabilities (llama-server sends the lowest float)', () => {
    const score = verdictScore([
      { token: 'unsafe', logprob: 0 },
      { token: 'safe', logprob: -3.4e38 },
    ]);
    expect(score).toEqual({ value: 1, source: 'logprobs' });
  });
});

describe('category codes', () => {
  const top = [choice('9', 0.6), choice('1', 0.2), choice('14', 0.1), choice('x', 0.1)];

  it('renormalizes over the known codes, as the local engine constrained distribution', () => {
    expect(codeProbabilities(top, ['S1', 'S9', 'S10'])).toEqual({
      S1: expect.closeTo(0.25, 12),
      S9: expect.closeTo(0.75, 12),
      S10: 0,
    });
    expect(bestKnownCode(top, ['S1', 'S10'])).toBe('S1');
  });

  it('decodes codes while the model continues with ,S', () => {
    const steps = [step('9', ...top), step(',S', choice(',S', 0.9)), step('1', choice('1', 0.8)), step('\n')];
    expect(decodeCodes(steps, ['S1', 'S9'], 6)?.codes).toEqual(['S9', 'S1']);
    expect(decodeCodes(steps, ['S1', 'S9'], 1)?.codes).toEqual(['S9']);
    // The model chose an unknown code: the best known one is named, its continuation not read.
    expect(decodeCodes(steps, ['S1'], 6)?.codes).toEqual(['S1']);
    expect(decodeCodes([step('x', choice('x', 1))], ['S1'], 6)).toBeUndefined();
  });

  it('finds the category line and skips a leading blank line', () => {
    const steps = [step('\n\n'), step('unsafe'), step('\n'), step('S'), step('9')];
    const answer = skipLeadingWhitespace(steps);
    expect(answer[0]?.token).toBe('unsafe');
    expect(startsWithUnsafeCodeLine(answer)).toBe(true);
    expect(startsWithUnsafeCodeLine(steps)).toBe(false);
  });
});
