import { z } from 'zod';
import type { ChatOptions } from './chat-options.js';
import type { ChatMessage } from './types.js';

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

/**
 * The body of `POST /v1/chat/completions` this server honours. Other OpenAI fields are accepted
 * and ignored (clients send them by default); `n` other than 1 and tool messages are refused.
 */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant']),
        content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
      }),
    )
    .min(1, 'expected at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1, 'only n: 1 is supported').nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;

/** The generator call for a request body. */
export function toChatCall(body: ChatCompletionRequest): { messages: ChatMessage[]; options: ChatOptions } {
  return {
    messages: body.messages.map((message) => ({ role: message.role, content: message.content ?? '' })),
    options: {
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      stop: body.stop ?? undefined,
      seed: body.seed ?? undefined,
    },
  };
}
