import { type ScoreRequest, VigilAbortError, VigilModelError } from '@vigil/guard-core';
import { type DecoderSession, type KvState, release } from './decoder-session.js';
import { argmax, softmaxOver } from './logits.js';
import type { AnswerTokens } from './prompt-tokens.js';

/** The most category codes decoded for one verdict (as the local engine). */
export const maxCodes = 6;

/** Throws `VigilAbortError` once `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
}

/**
 * Decodes the category line after `unsafe`, constrained to Llama Guard's format as the local
 * engine does: `\n` and `S` are fed; each code is the greedy choice among the known codes;
 * another follows only when the model's greedy next token is `,S`. `after` is the cache after the
 * prompt; the caches made on the way are released.
 */
export async function decodeCategories(
  decoder: DecoderSession,
  answer: AnswerTokens,
  after: KvState,
  request: ScoreRequest,
) {
  const codeTokens = answer.codeTokens(request.knownCodes);
  const codeOf = new Map([...codeTokens].map(([code, token]) => [token, code]));
  const allowed = [...codeTokens.values()];
  const held: KvState[] = [];
  const step = async (input: number[], state: KvState) => {
    throwIfAborted(request.signal);
    const result = await decoder.forward(input, state, true);
    held.push(result.state);
    return result;
  };
  try {
    const first = await step([answer.unsafe, answer.newline, answer.codePrefix], after);
    let categoryProbabilities: Record<string, number> | undefined;
    if (request.includeCategoryProbabilities) {
      const probabilities = softmaxOver(first.logits, allowed);
      categoryProbabilities = {};
      for (const [code, token] of codeTokens) categoryProbabilities[code] = probabilities.get(token) ?? 0;
    }
    const named: number[] = [];
    let token = argmax(first.logits, allowed);
    let state = first.state;
    let evaluated = 3;
    while (token !== undefined && codeOf.has(token) && !named.includes(token) && named.length < maxCodes) {
      named.push(token);
      if (answer.nextCode === undefined) break;
      const next = await step([token], state);
      evaluated++;
      if (argmax(next.logits) !== answer.nextCode) break;
      const code = await step([answer.nextCode], next.state);
      evaluated++;
      token = argmax(code.logits, allowed);
      state = code.state;
    }
    if (named.length === 0) throw new VigilModelError('model: no category code after "unsafe\\nS"');
    return { codes: named.map((code) => codeOf.get(code) as string), categoryProbabilities, evaluated };
  } finally {
    for (const state of held) release(state);
  }
}
