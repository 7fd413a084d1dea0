import { z } from 'zod';
import type { Conversation, Turn } from '../conversation/types.js';
import { VigilInputError } from '../errors.js';
import { isMoreUnsafe, sumUsage } from '../most-unsafe.js';
import type { Policy } from '../policy/policy.js';
import type { PromptRenderer } from '../prompt/renderer.js';
import type { PromptSegments } from '../prompt/segments.js';
import { shareLoop } from '../share-loop.js';
import type { Truncation } from '../verdict/types.js';
import { judgeScore } from '../verdict/verdict.js';
import type { EngineTokenizer, GuardEngine, ScoreRequest, ScoreResult } from './types.js';

/** Validates {@link LongConversation}. */
export const longConversationSchema = z.enum(['truncate', 'error']);

/**
 * What to do with a conversation longer than the engine's longest context: `'truncate'` drops
 * the oldest turns (the judged turn is kept whole) and judges a judged turn longer than the
 * context in overlapping windows, unsafe if any window is; `'error'` throws `VigilInputError`.
 */
export type LongConversation = z.output<typeof longConversationSchema>;

export interface ScoreConversationInput {
  engine: GuardEngine;
  renderer: PromptRenderer;
  policy: Policy;
  conversation: Conversation;
  /** The whole conversation's segments, already rendered. */
  segments: PromptSegments;
  request: Omit<ScoreRequest, 'segments'>;
  mode: LongConversation;
}

/** Tokens a window of a long judged turn shares with the window before it. */
export const windowOverlap = 256;

/**
 * Scores a conversation, cutting it to the engine's longest context first when it is longer and
 * `mode` is `'truncate'`. Engines that do not say how long a prompt may be (remote ones) score
 * the whole conversation as given.
 */
export async function scoreConversation(
  input: ScoreConversationInput,
): Promise<{ result: ScoreResult; truncated?: Truncation }> {
  const { engine, renderer, policy, conversation, segments, request, mode } = input;
  const tokenizer = engine.tokenizer;
  const limit = engine.model.maxPromptTokens;
  const score = (parts: PromptSegments) => engine.score({ ...request, segments: parts });
  if (mode === 'error' || !tokenizer || limit === undefined) return { result: await score(segments) };
  const promptTokens = await tokenizer.promptTokens(segments);
  if (promptTokens <= limit) return { result: await score(segments) };

  const render = (turns: Turn[]) => renderer.segments(policy, withTurns(conversation, turns));
  const { turns } = conversation;
  // The newest turns that fit, from an estimate of each turn's tokens (the frame: the prompt of
  // the judged turn alone minus that turn's text); then exactly.
  const judged = turns.slice(-1);
  const frame =
    (await tokenizer.promptTokens(render(judged))) - (await turnTokens(tokenizer, judged, Infinity)).total;
  let kept = Math.max(1, (await turnTokens(tokenizer, turns, limit - frame)).count);
  for (; kept >= 1; kept--) {
    const fitted = render(turns.slice(turns.length - kept));
    if ((await tokenizer.promptTokens(fitted)) <= limit) {
      const result = await score(fitted);
      return { result, truncated: { promptTokens, droppedTurns: turns.length - kept, windows: 1 } };
    }
  }
  return scoreWindows(input, tokenizer, limit, promptTokens);
}

/**
 * Judges the last turn alone in overlapping windows of tokens: the most unsafe window under the
 * policy wins (an unsafe one before a safe one, then the higher probability), and the first
 * unsafe one ends the scan.
 */
async function scoreWindows(
  input: ScoreConversationInput,
  tokenizer: EngineTokenizer,
  limit: number,
  promptTokens: number,
): Promise<{ result: ScoreResult; truncated: Truncation }> {
  const { engine, renderer, policy, conversation, request } = input;
  const judged = conversation.turns.at(-1) as Turn;
  const windowOf = (text: string) =>
    renderer.segments(policy, withTurns(conversation, [{ ...judged, parts: [text] }]));
  const frame = await tokenizer.promptTokens(windowOf(''));
  const size = limit - frame - 8;
  if (size <= windowOverlap * 2) {
    throw new VigilInputError(
      `classify: the judged turn is too long to judge in windows: the policy prompt leaves ${size} tokens of the ${limit} a prompt may take; raise contextSize or maxContextSize`,
    );
  }
  const tokens = await tokenizer.tokenize(judged.parts.join('\n\n'));
  const step = size - windowOverlap;
  let worst: { result: ScoreResult; safe: boolean; unsafeProbability: number | null } | undefined;
  const usages: ScoreResult['usage'][] = [];
  for (let start = 0; start < tokens.length; start += step) {
    const turn = shareLoop();
    if (turn) await turn;
    let text = tokenizer.detokenize(tokens.slice(start, start + size));
    let segments = windowOf(text);
    // Detokenized text may tokenize a little longer than its tokens: trim until it fits.
    for (let cut = size; (await tokenizer.promptTokens(segments)) > limit; ) {
      cut -= 64;
      text = tokenizer.detokenize(tokens.slice(start, start + cut));
      segments = windowOf(text);
    }
    const result = await engine.score({ ...request, segments });
    usages.push(result.usage);
    const scored = {
      result,
      safe: judgeScore(result, policy).safe,
      unsafeProbability: result.unsafeProbability,
    };
    if (!worst || isMoreUnsafe(scored, worst)) worst = scored;
    if (!worst.safe) break;
    if (start + size >= tokens.length) break;
  }
  const result = { ...(worst?.result as ScoreResult), usage: sumUsage(usages) };
  const windows = usages.length;
  return { result, truncated: { promptTokens, droppedTurns: conversation.turns.length - 1, windows } };
}

/**
 * Counts the newest turns whose text fits in `budget` tokens (each turn's parts plus a few tokens
 * for its `User: ` / `Agent: ` and separators) and their tokens; tokenizes no older turn than the
 * first that does not fit.
 */
async function turnTokens(tokenizer: EngineTokenizer, turns: readonly Turn[], budget: number) {
  let total = 0;
  let count = 0;
  for (let index = turns.length - 1; index >= 0; index--) {
    const loopTurn = shareLoop();
    if (loopTurn) await loopTurn;
    const turn = turns[index] as Turn;
    const tokens = (await tokenizer.tokenize(turn.parts.join('\n\n'))).length + 4;
    if (total + tokens > budget) break;
    total += tokens;
    count++;
  }
  return { total, count };
}

/**
 * The conversation with only `turns` (its newest ones): a user turn is put first when they start
 * with an assistant turn, as for an assistant-first chat.
 */
function withTurns(conversation: Conversation, turns: Turn[]): Conversation {
  const first = turns[0];
  const lead: Turn[] = first?.role === 'assistant' ? [{ role: 'user', parts: [], messageIndex: -1 }] : [];
  return { role: conversation.role, turns: [...lead, ...turns] };
}
