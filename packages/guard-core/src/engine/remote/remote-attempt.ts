import { VigilInputError, VigilModelOutputError } from '../../errors.js';
import { answerText } from '../answer-text.js';
import type { ScoreRequest, ScoreResult, Usage } from '../types.js';
import {
  type AnswerStep,
  codeProbabilities,
  decodeCodes,
  skipLeadingWhitespace,
  startsWithUnsafeCodeLine,
  verdictScore,
} from './answer-logprobs.js';
import {
  answerSteps,
  type CompletionReply,
  type CompletionRequestBody,
  completionReplySchema,
  tokenizeReplySchema,
} from './completions-protocol.js';
import { type HttpSettings, requestJson } from './http-attempt.js';
import { parseAnswer } from './parse-answer.js';
import type { PromptEncoding, Tokenize } from './prompt-encoding.js';
import type { RemoteTokenizer } from './remote-options.js';
import type { RemoteTotals } from './remote-stats.js';
import type { Replica } from './replica-pool.js';

/** The most category codes decoded for one verdict (as the local engine). */
const maxCodes = 6;
/** `unsafe` `\n` `S` and a code, then `,S` and a code for each further one, then the end of turn. */
const answerTokens = 3 + 2 * maxCodes;

/** What one attempt on a replica needs from its engine, fixed when the engine is created. */
export interface AttemptContext {
  readonly settings: HttpSettings;
  readonly model: string;
  readonly topLogprobs: number;
  readonly encoding: PromptEncoding;
  readonly contextSize: number;
  readonly localTokenizer: RemoteTokenizer | undefined;
  readonly tokenSource: 'local' | 'server' | undefined;
  /** Counts requests, text-only and bounded scores. */
  readonly totals: RemoteTotals;
}

/**
 * Scores one request on one replica: the prompt encoded, one completion with logprobs read for
 * the verdict's probability, and the category codes decoded (forcing `unsafe\nS` when the
 * model's own answer names no known code). Throws an `AttemptFailure` for what may be retried.
 */
export async function scoreAttempt(
  context: AttemptContext,
  replica: Replica,
  request: ScoreRequest,
  signal: AbortSignal,
): Promise<ScoreResult> {
  const { encoding, contextSize, topLogprobs } = context;
  const tokenize = tokenizerFor(context, replica, signal);
  const prompt = await encoding.encode(request.segments, tokenize);
  if (typeof prompt !== 'string' && prompt.length + answerTokens > contextSize) {
    throw new VigilInputError(
      `classify: the conversation is too long: the prompt takes ${prompt.length} tokens and the server's context holds ${contextSize} (${answerTokens} kept for the answer); send fewer turns`,
    );
  }
  const first = await complete(context, replica, prompt, answerTokens, signal);
  const steps = answerSteps(first);
  if (!steps) return scoreFromText(context, replica, first, prompt, tokenize, signal);
  const text = first.choices[0]?.text ?? '';
  const answer = skipLeadingWhitespace(steps);
  const score = verdictScore(answer[0]?.top ?? []);
  if (!score) {
    throw new VigilModelOutputError(
      `model output: replica ${replica.url}: expected 'safe' or 'unsafe' among the ${topLogprobs} most likely first tokens, received ${JSON.stringify(answer[0]?.top.map((c) => c.token) ?? [])}`,
      text,
    );
  }
  if (score.source === 'bounded') context.totals.boundedScores++;
  const base = { unsafeProbability: score.value, probabilitySource: score.source };
  // Whether to decode codes, not whether the verdict is unsafe (see `ScoreRequest.threshold`).
  if (score.value < request.threshold) {
    return { ...base, codes: [], raw: answerText([]), usage: usageOf([first], prompt) };
  }
  const replies = [first];
  let codeSteps: readonly AnswerStep[] | undefined = startsWithUnsafeCodeLine(answer)
    ? answer.slice(3)
    : undefined;
  let decoded = codeSteps && decodeCodes(codeSteps, request.knownCodes, maxCodes);
  if (!decoded) {
    // The model's own answer did not name a known code (below its 0.5 point, or off format):
    // force `unsafe\nS` as the local engine does and read the code position.
    const forced = await completeCodeLine(context, replica, prompt, tokenize, signal);
    replies.push(forced);
    codeSteps = answerSteps(forced);
    decoded = codeSteps && decodeCodes(codeSteps, request.knownCodes, maxCodes);
    if (!decoded) {
      throw new VigilModelOutputError(
        `model output: replica ${replica.url}: expected a known category code after "unsafe\\nS", received ${JSON.stringify(forced.choices[0]?.text ?? '')}`,
        forced.choices[0]?.text ?? '',
      );
    }
  }
  return {
    ...base,
    codes: decoded.codes,
    raw: answerText(decoded.codes),
    categoryProbabilities: request.includeCategoryProbabilities
      ? codeProbabilities(decoded.firstTop, request.knownCodes)
      : undefined,
    usage: usageOf(replies, prompt),
  };
}

/**
 * The text-only fallback (the server sent no logprobs): the one place an answer's text is
 * parsed. An `unsafe` that names no code gets its code line forced, as with logprobs.
 */
async function scoreFromText(
  context: AttemptContext,
  replica: Replica,
  first: CompletionReply,
  prompt: string | number[],
  tokenize: Tokenize | undefined,
  signal: AbortSignal,
): Promise<ScoreResult> {
  context.totals.textOnlyScores++;
  const raw = (first.choices[0]?.text ?? '').trim();
  const answer = parseAnswer(raw);
  if (!answer.unsafe || answer.codes.length > 0) {
    const usage = usageOf([first], prompt);
    return { unsafeProbability: null, probabilitySource: 'text', codes: answer.codes, raw, usage };
  }
  const forced = await completeCodeLine(context, replica, prompt, tokenize, signal);
  const forcedText = forced.choices[0]?.text ?? '';
  const { codes } = parseAnswer(`unsafe\nS${forcedText}`);
  if (codes.length === 0) {
    throw new VigilModelOutputError(
      `model output: replica ${replica.url}: expected a category code after "unsafe\\nS", received ${JSON.stringify(forcedText)}`,
      forcedText,
    );
  }
  const usage = usageOf([first, forced], prompt);
  return { unsafeProbability: null, probabilitySource: 'text', codes, raw: answerText(codes), usage };
}

/** Token ids for the prompt: the local tokenizer, the replica's `/tokenize`, or none (text prompts). */
function tokenizerFor(context: AttemptContext, replica: Replica, signal: AbortSignal): Tokenize | undefined {
  const { localTokenizer } = context;
  if (localTokenizer) return async (text, special) => localTokenizer(text, { special });
  if (context.tokenSource !== 'server') return undefined;
  return async (text, special) => {
    const reply = await requestJson(
      context.settings,
      replica.url,
      '/tokenize',
      { content: text, add_special: false, parse_special: special },
      tokenizeReplySchema,
      signal,
    );
    return reply.tokens;
  };
}

/** One greedy `POST /v1/completions` with the top logprobs of each token. */
async function complete(
  context: AttemptContext,
  replica: Replica,
  prompt: string | number[],
  maxTokens: number,
  signal: AbortSignal,
) {
  const body: CompletionRequestBody = {
    model: context.model,
    prompt,
    max_tokens: maxTokens,
    temperature: 0,
    logprobs: context.topLogprobs,
    stream: false,
    add_special_tokens: false,
  };
  context.totals.requests++;
  return requestJson(context.settings, replica.url, '/v1/completions', body, completionReplySchema, signal);
}

/** The prompt followed by `unsafe\nS`: the next position is the category code's. */
async function completeCodeLine(
  context: AttemptContext,
  replica: Replica,
  prompt: string | number[],
  tokenize: Tokenize | undefined,
  signal: AbortSignal,
) {
  return complete(
    context,
    replica,
    await context.encoding.withCodeLine(prompt, tokenize),
    2 * maxCodes,
    signal,
  );
}

/** The tokens of the replies: the prompt (and its cached part) once, everything evaluated summed. */
function usageOf(replies: readonly CompletionReply[], prompt: string | number[]): Usage {
  const usage: Usage = { promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 };
  replies.forEach((reply, index) => {
    const promptTokens = reply.usage?.prompt_tokens ?? (typeof prompt === 'string' ? 0 : prompt.length);
    const cached = reply.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    if (index === 0) {
      usage.promptTokens = promptTokens;
      usage.cachedTokens = cached;
    }
    usage.evaluatedTokens += promptTokens - cached + (reply.usage?.completion_tokens ?? 0);
  });
  return usage;
}
