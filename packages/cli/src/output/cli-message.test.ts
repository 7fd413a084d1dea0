import { describe, expect, it } from 'vitest';
import { cliMessage } from './cli-message.js';

describe('cliMessage', () => {
  it('names the flags for the API options library advice names, without a doubled prefix', () => {
    expect(
      cliMessage(
        'classify: the conversation is too long: the prompt takes 5000 tokens and the context holds 4096 (16 kept for the answer); raise contextSize or send fewer turns',
      ),
    ).toMatchInlineSnapshot(
      `"the conversation is too long: the prompt takes 5000 tokens and the context holds 4096 (16 kept for the answer); raise --context-size (policy key contextSize) or send fewer turns"`,
    );
    expect(
      cliMessage(
        "model 'x' does not answer like Llama Guard 3: ...; pass a Llama Guard 3 GGUF, or verifyModel: false to skip this check",
      ),
    ).toMatchInlineSnapshot(
      `"model 'x' does not answer like Llama Guard 3: ...; pass a Llama Guard 3 GGUF, or --no-verify-model (policy key verifyModel: false) to skip this check"`,
    );
    expect(
      cliMessage(
        'classify: 9 calls are already waiting for the guard (maxQueue 8); retry later or raise maxQueue',
      ),
    ).toMatchInlineSnapshot(`"9 calls are already waiting for the guard (maxQueue 8); lower --concurrency"`);
  });
});
