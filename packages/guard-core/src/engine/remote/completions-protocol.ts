import { z } from 'zod';
import type { AnswerStep } from './answer-logprobs.js';

// The OpenAI-compatible `/v1/completions` reply, in the two logprobs shapes servers send:
// the legacy OpenAI one (vLLM, SGLang, OpenAI): parallel `tokens` / `token_logprobs` /
// `top_logprobs` (a `{ token: logprob }` map per position); and llama-server's, the chat shape:
// `content: [{ id, token, logprob, top_logprobs: [{ id, token, logprob }] }]`.

const legacyLogprobsSchema = z.object({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number().nullable()).nullish(),
  top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullish(),
});

const choiceSchema = z.object({ token: z.string(), logprob: z.number() });

const contentLogprobsSchema = z.object({
  content: z.array(choiceSchema.extend({ top_logprobs: z.array(choiceSchema).nullish() })).nullable(),
});

export const completionReplySchema = z.object({
  choices: z
    .array(
      z.object({
        text: z.string(),
        logprobs: z.union([contentLogprobsSchema, legacyLogprobsSchema]).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1, 'expected at least one choice'),
  usage: z
    .object({
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

export type CompletionReply = z.output<typeof completionReplySchema>;

/** llama-server's `POST /tokenize` reply (token ids, or `{ id, piece }` with `with_pieces`). */
export const tokenizeReplySchema = z.object({
  tokens: z.array(z.union([z.number().int(), z.object({ id: z.number().int() }).transform((t) => t.id)])),
});

/** llama-server's `GET /props` reply: only the fields the engine reads. */
export const propsReplySchema = z.object({
  chat_template: z.string().nullish(),
  bos_token: z.string().nullish(),
  default_generation_settings: z.object({ n_ctx: z.number().int().nullish() }).nullish(),
});

/**
 * The generated tokens with their alternatives, or `undefined` when the server sent no
 * logprobs (a server that does not support them, or one told not to).
 */
export function answerSteps(reply: CompletionReply): AnswerStep[] | undefined {
  const logprobs = reply.choices[0]?.logprobs;
  if (!logprobs) return undefined;
  if ('content' in logprobs) {
    if (!logprobs.content || logprobs.content.length === 0) return undefined;
    return logprobs.content.map((entry) => ({
      token: entry.token,
      top: entry.top_logprobs?.length
        ? entry.top_logprobs.map(({ token, logprob }) => ({ token, logprob }))
        : [{ token: entry.token, logprob: entry.logprob }],
    }));
  }
  if (logprobs.tokens.length === 0 || !logprobs.top_logprobs) return undefined;
  const tops = logprobs.top_logprobs;
  return logprobs.tokens.map((token, index) => {
    const top = Object.entries(tops[index] ?? {}).map(([text, logprob]) => ({ token: text, logprob }));
    const own = logprobs.token_logprobs?.[index];
    if (own != null && !top.some((choice) => choice.token === token)) top.push({ token, logprob: own });
    return { token, top };
  });
}

export interface CompletionRequestBody {
  model: string;
  prompt: string | readonly number[];
  max_tokens: number;
  temperature: 0;
  logprobs: number;
  stream: false;
  /** vLLM: do not add a BOS (the template has one); other servers ignore it. */
  add_special_tokens: false;
}
