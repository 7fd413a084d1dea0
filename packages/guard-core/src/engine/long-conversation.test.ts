import { describe, expect, it } from 'vitest';
import { normalizeConversation } from '../conversation/normalize.js';
import { resolvePolicy } from '../policy/policy.js';
import { createPromptRenderer, type PromptSegments } from '../prompt/renderer.js';
import { answerText } from './answer-text.js';
import { scoreConversation } from './long-conversation.js';
import type { GuardEngine, ScoreRequest } from './types.js';

/** One token a character; a window naming `marker` scores as the rule says. */
function windowedEngine(maxPromptTokens: number, rules: Record<string, { p: number; code: string }>) {
  const length = (segments: PromptSegments) =>
    segments.prefix.length + segments.conversation.length + segments.tail.length;
  const scored: string[] = [];
  const engine: GuardEngine = {
    model: { id: 'windows', contextSize: maxPromptTokens, maxPromptTokens },
    tokenizer: {
      tokenize: async (text) => [...text].map((char) => char.charCodeAt(0)),
      detokenize: (tokens) => String.fromCharCode(...tokens),
      promptTokens: async (segments) => length(segments),
    },
    async score(request: ScoreRequest) {
      const text = request.segments.conversation;
      const hit = Object.entries(rules).find(([marker]) => text.includes(marker))?.[1];
      scored.push(hit?.code ?? '-');
      const p = hit?.p ?? 0.01;
      const codes = hit && p >= request.threshold ? [hit.code] : [];
      const usage = { promptTokens: length(request.segments), evaluatedTokens: 1, cachedTokens: 0 };
      return { unsafeProbability: p, probabilitySource: 'logprobs', codes, raw: answerText(codes), usage };
    },
    dispose: async () => {},
  };
  return { engine, scored };
}

describe('scoreConversation in windows', () => {
  it('keeps scanning past an unsafe-looking window whose code the policy leaves out, and returns the one that fires', async () => {
    const renderer = createPromptRenderer();
    const policy = resolvePolicy({ excludeCategories: ['S6'] });
    const turn = `AAA ${'x'.repeat(700)} BBB ${'y'.repeat(700)}`;
    const conversation = normalizeConversation(turn);
    const frame = renderer.segments(policy, normalizeConversation('.'));
    const limit = frame.prefix.length + frame.conversation.length + frame.tail.length + 600;
    const { engine, scored } = windowedEngine(limit, {
      AAA: { p: 0.95, code: 'S6' },
      BBB: { p: 0.8, code: 'S1' },
    });
    const { result, truncated } = await scoreConversation({
      engine,
      renderer,
      policy,
      conversation,
      segments: renderer.segments(policy, conversation),
      request: { knownCodes: ['S1', 'S6'], threshold: 0.5, includeCategoryProbabilities: false },
      mode: 'truncate',
    });
    expect(result).toMatchObject({ unsafeProbability: 0.8, codes: ['S1'] });
    // The first window (S6 only, left out of the policy) did not end the scan; the one that fires did.
    expect(scored).toEqual(['S6', 'S1']);
    expect(truncated).toMatchObject({ droppedTurns: 0, windows: 2 });
    expect(result.usage.promptTokens).toBeGreaterThan(limit);
  });
});
