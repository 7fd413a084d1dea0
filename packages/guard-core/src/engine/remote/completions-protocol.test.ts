import { describe, expect, it } from 'vitest';
import { answerSteps, completionReplySchema } from './completions-protocol.js';

const parse = (logprobs: unknown) =>
  answerSteps(completionReplySchema.parse({ choices: [{ text: 'unsafe\nS9', logprobs }] }));

describe('answerSteps', () => {
  it('reads the legacy OpenAI shape (vLLM, SGLang)', () => {
    const steps = parse({
      tokens: ['unsafe', '\n'],
      token_logprobs: [-0.1, -0.01],
      top_logprobs: [{ unsafe: -0.1, safe: -2.4 }, { '\n': -0.01 }],
      text_offset: [0, 6],
    });
    expect(steps).toEqual([
      {
        token: 'unsafe',
        top: [
          { token: 'unsafe', logprob: -0.1 },
          { token: 'safe', logprob: -2.4 },
        ],
      },
      { token: '\n', top: [{ token: '\n', logprob: -0.01 }] },
    ]);
  });

  it("reads llama-server's content shape", () => {
    const steps = parse({
      content: [
        {
          id: 39257,
          token: 'unsafe',
          bytes: [117],
          logprob: -0.1,
          top_logprobs: [
            { id: 39257, token: 'unsafe', bytes: [], logprob: -0.1 },
            { id: 19193, token: 'safe', bytes: [], logprob: -2.4 },
          ],
        },
      ],
    });
    expect(steps).toEqual([
      {
        token: 'unsafe',
        top: [
          { token: 'unsafe', logprob: -0.1 },
          { token: 'safe', logprob: -2.4 },
        ],
      },
    ]);
  });

  it('is undefined without logprobs', () => {
    expect(parse(null)).toBeUndefined();
    expect(parse(undefined)).toBeUndefined();
    expect(parse({ content: [] })).toBeUndefined();
    expect(parse({ tokens: ['safe'], top_logprobs: null })).toBeUndefined();
  });
});
