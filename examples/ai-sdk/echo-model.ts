// A stand-in for a real provider so the example runs offline: an AI SDK model (the SDK's own
// MockLanguageModelV3) that repeats the question inside a canned answer, streamed word by word.
// Replace it with your provider's model, e.g. `openai('gpt-4o-mini')` from '@ai-sdk/openai'.
import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';

const usage = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};
const stop = { unified: 'stop', raw: 'stop' } as const;

function answer(options: LanguageModelV3CallOptions): string {
  const last = options.prompt.filter((message) => message.role === 'user').at(-1);
  const question = last?.content.map((part) => (part.type === 'text' ? part.text : '')).join('') ?? '';
  return `You asked: "${question}". Here is my answer, one word at a time. Thank you for asking.`;
}

export function echoModel() {
  return new MockLanguageModelV3({
    provider: 'example',
    modelId: 'echo',
    doGenerate: async (options) => ({
      content: [{ type: 'text', text: answer(options) }],
      finishReason: stop,
      usage,
      warnings: [],
    }),
    doStream: async (options) => {
      const words = answer(options).split(/(?<= )/);
      const chunks: LanguageModelV3StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 'answer' },
        ...words.map((delta): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 'answer', delta })),
        { type: 'text-end', id: 'answer' },
        { type: 'finish', finishReason: stop, usage },
      ];
      return { stream: simulateReadableStream({ chunks, chunkDelayInMs: 20 }) };
    },
  });
}
