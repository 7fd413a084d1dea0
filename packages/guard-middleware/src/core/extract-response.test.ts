import { describe, expect, it } from 'vitest';
import { extractResponseText } from './extract-response.js';

describe('extractResponseText', () => {
  it('reads chat, completions, responses and Anthropic bodies', () => {
    expect(
      extractResponseText({ choices: [{ message: { content: 'A' } }, { message: { content: 'B' } }] }),
    ).toBe('A\n\nB');
    expect(extractResponseText({ choices: [{ text: 'T' }] })).toBe('T');
    expect(
      extractResponseText({
        output: [
          { type: 'reasoning', summary: [] },
          { type: 'message', content: [{ type: 'output_text', text: 'R' }] },
        ],
      }),
    ).toBe('R');
    expect(extractResponseText({ type: 'message', content: [{ type: 'text', text: 'C' }] })).toBe('C');
    expect(extractResponseText({ data: [] })).toBeUndefined();
  });
});
