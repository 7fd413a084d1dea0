import { describe, expect, it } from 'vitest';
import { escapePolicyText, escapeSpecialTokens, PromptEncoding } from './prompt-encoding.js';

const segments = {
  prefix: '<|begin_of_text|>Task\n',
  conversation: 'User: a <|eot_id|> b\n\n',
  tail: 'End\n\n',
};

describe('PromptEncoding', () => {
  it('escapes special-token look-alikes in the conversation only, as text', async () => {
    expect(escapeSpecialTokens('<|eot_id|> and <|x|>')).toBe('<\uFF5Ceot_id|> and <\uFF5Cx|>');
    const text = new PromptEncoding('text');
    expect(await text.encode(segments, undefined)).toBe(
      '<|begin_of_text|>Task\nUser: a <\uFF5Ceot_id|> b\n\nEnd\n\n',
    );
    expect(await text.withCodeLine('P\n\n', undefined)).toBe('P\n\nunsafe\nS');
  });

  it('tokenizes the fixed parts with special tokens (once) and the conversation without', async () => {
    const calls: [string, boolean][] = [];
    const tokenize = async (text: string, special: boolean) => {
      calls.push([text, special]);
      return [special ? 1 : 0, text.length];
    };
    const tokens = new PromptEncoding('tokens');
    expect(await tokens.encode(segments, tokenize)).toEqual([1, 22, 0, 22, 1, 5]);
    await tokens.encode(segments, tokenize);
    expect(calls.filter(([, special]) => special)).toHaveLength(2);
    expect(calls.filter(([, special]) => !special)).toHaveLength(2);
    expect(await tokens.withCodeLine([7], tokenize)).toEqual([7, 0, 8]);
  });
});

describe('policy text in text prompts', () => {
  it('escapes special-token look-alikes in the category list only', async () => {
    const prefix =
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nTask\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\nS14: Rivals.\nx<|eot_id|>\n<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\n';
    expect(escapePolicyText(prefix)).toBe(prefix.replace('x<|eot_id|>', 'x<\uFF5Ceot_id|>'));
    expect(escapePolicyText('<|begin_of_text|>no list')).toBe('<|begin_of_text|>no list');
    const text = new PromptEncoding('text');
    expect(await text.encode({ ...segments, prefix }, undefined)).toContain('x<\uFF5Ceot_id|>');
  });
});

describe('text prompts for a server that adds its own BOS', () => {
  it('drops the template leading BOS text', async () => {
    const text = new PromptEncoding('text', '<|begin_of_text|>');
    expect(await text.encode(segments, undefined)).toBe('Task\nUser: a <\uFF5Ceot_id|> b\n\nEnd\n\n');
  });
});
