import { describe, expect, it } from 'vitest';
import { categoryCodesFor } from './category-map.js';
import { parseCategories, parseLabel } from './labels.js';

describe('parseLabel', () => {
  it('reads the usual spellings and leaves missing values unlabelled', () => {
    expect(['unsafe', ' UNSAFE ', 1, '1', true, 'true'].map((v) => parseLabel(v))).toEqual(
      Array(6).fill(true),
    );
    expect(['safe', 0, '0', false, 'False'].map((v) => parseLabel(v))).toEqual(Array(5).fill(false));
    expect([undefined, null, '', '  '].map((v) => parseLabel(v))).toEqual(Array(4).fill(null));
  });

  it('with --unsafe-value, only those values are unsafe', () => {
    expect(parseLabel('toxic', ['toxic', 'severe'])).toBe(true);
    expect(parseLabel('severe', ['toxic', 'severe'])).toBe(true);
    expect(parseLabel('fine', ['toxic'])).toBe(false);
  });

  it('rejects values it does not know', () => {
    expect(() => parseLabel('maybe')).toThrowErrorMatchingInlineSnapshot(
      `[Error: expected safe/unsafe, 0/1 or true/false (or name the unsafe value with --unsafe-value), received "maybe"]`,
    );
    expect(() => parseLabel(2)).toThrow(/received "2"/);
    expect(() => parseLabel({ a: 1 })).toThrow(/an object/);
  });
});

describe('categories', () => {
  it('reads lists, comma-separated strings and objects of flags', () => {
    expect(parseCategories(['a', ' b '])).toEqual(['a', 'b']);
    expect(parseCategories('Violence, Threat')).toEqual(['Violence', 'Threat']);
    expect(parseCategories({ self_harm: true, animal_abuse: false })).toEqual(['self_harm']);
    expect(parseCategories(null)).toEqual([]);
  });

  it('maps preset categories, codes and Llama Guard names to codes', () => {
    const names = new Map([
      ['S9', 'Indiscriminate Weapons'],
      ['S10', 'Hate'],
    ]);
    const aegis = categoryCodesFor('aegis2', names);
    expect(aegis('hate/identity hate')).toEqual(['S10']);
    expect(aegis('PII/Privacy')).toEqual(['S7']);
    expect(categoryCodesFor('openai-moderation', names)('HR')).toEqual([]);
    const generic = categoryCodesFor(undefined, names);
    expect(generic('s9')).toEqual(['S9']);
    expect(generic('indiscriminate weapons')).toEqual(['S9']);
    expect(generic('spam')).toEqual([]);
  });
});
