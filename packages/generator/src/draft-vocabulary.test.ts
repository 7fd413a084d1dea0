import { describe, expect, it } from 'vitest';
import { type Vocabulary, vocabularyMismatch, vocabularyOf } from './draft-vocabulary.js';

const tokens = ['!', '"', 'Ġstory', '<|begin_of_text|>', '<|eot_id|>'];
const target: Vocabulary = { tokens, bos: 3, eos: 4 };

describe('vocabularyMismatch', () => {
  it('accepts the same tokenizer (a copy of it, not the same array)', () => {
    expect(vocabularyMismatch(target, { tokens: [...tokens], bos: 3, eos: 4 })).toBeUndefined();
  });

  it('names the first difference: size, BOS, EOS, then the first token text that differs', () => {
    expect(vocabularyMismatch(target, { ...target, tokens: tokens.slice(0, 4) })).toMatchInlineSnapshot(
      `"vocabulary size: expected 5 tokens (the chat model's), received 4"`,
    );
    expect(vocabularyMismatch(target, { ...target, bos: undefined })).toMatchInlineSnapshot(
      `"BOS token: expected 3 (the chat model's), received none"`,
    );
    expect(vocabularyMismatch(target, { ...target, eos: 3 })).toMatchInlineSnapshot(
      `"EOS token: expected 4 (the chat model's), received 3"`,
    );
    const renamed = tokens.map((text) => (text === 'Ġstory' ? 'ĠStory' : text));
    expect(vocabularyMismatch(target, { ...target, tokens: renamed })).toMatchInlineSnapshot(
      `"token 2: expected "Ġstory" (the chat model's), received "ĠStory""`,
    );
  });

  it('refuses a file with no token list rather than passing it', () => {
    expect(vocabularyMismatch(target, vocabularyOf({}))).toMatchInlineSnapshot(
      `"tokenizer.ggml.tokens: expected a token list in both, received 5 and 0 tokens"`,
    );
  });

  it('reads the facts from GGUF metadata as node-llama-cpp parses it', () => {
    expect(vocabularyOf({ tokenizer: { ggml: { tokens, bos_token_id: 3, eos_token_id: 4 } } })).toEqual(
      target,
    );
  });
});
