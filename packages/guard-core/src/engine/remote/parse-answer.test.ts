import { describe, expect, it } from 'vitest';
import { VigilModelOutputError } from '../../errors.js';
import { parseAnswer } from './parse-answer.js';

describe('parseAnswer', () => {
  it.each([
    ['safe', { unsafe: false, codes: [] }],
    ['\n\nsafe<|eot_id|>', { unsafe: false, codes: [] }],
    ['unsafe\nS1', { unsafe: true, codes: ['S1'] }],
    ['unsafe \nS1, S10', { unsafe: true, codes: ['S1', 'S10'] }],
    ['Unsafe\ns9,S9<|eot_id|>', { unsafe: true, codes: ['S9'] }],
    ['unsafe', { unsafe: true, codes: [] }],
  ])('parses %j', (text, expected) => {
    expect(parseAnswer(text)).toEqual(expected);
  });

  it('throws with the raw text for anything else', () => {
    const error = (() => {
      try {
        parseAnswer('I cannot help with that');
      } catch (caught) {
        return caught;
      }
    })();
    expect(VigilModelOutputError.isInstance(error)).toBe(true);
    expect((error as VigilModelOutputError).raw).toBe('I cannot help with that');
    expect((error as Error).message).toMatchInlineSnapshot(
      `"model output: expected 'safe' or 'unsafe' as the first line, received "I cannot help with that""`,
    );
  });
});
