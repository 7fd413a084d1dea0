import type { Verdict } from '@vigil/guard-core';

/** The 13 category keys of OpenAI's moderation API, in the order its docs list them. */
export const openAIModerationKeys = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

export type OpenAIModerationKey = (typeof openAIModerationKeys)[number];

/**
 * Llama Guard 3's S-codes onto OpenAI's moderation keys: the one table `POST /v1/moderations`
 * answers by. A code may set several keys; a code mapped to none (S6 Specialized Advice,
 * S7 Privacy, S8 Intellectual Property, S13 Elections, S14 Code Interpreter Abuse, custom
 * categories) sets no key but still makes `flagged` true. Three keys have no Llama Guard code
 * and are always `false` with score `0`: `harassment/threatening`, `hate/threatening`,
 * `violence/graphic` (Llama Guard does not separate threats or gore from S1 and S10).
 *
 * Scores: `category_scores[key] = P(unsafe) x sum of P(code | unsafe)` over the codes the model
 * named that map to `key`, at most 1; `P(code | unsafe)` is the model's probability of the code
 * at the category position (`includeCategoryProbabilities`). Codes the model did not name add
 * nothing, so a safe verdict scores `0` everywhere. When the engine gave no probabilities (a
 * remote server without logprobs), a named code adds `P(unsafe)`, or `1` when that is unknown.
 */
export const sCodeToOpenAI: Readonly<Record<string, readonly OpenAIModerationKey[]>> = {
  S1: ['violence', 'illicit/violent'],
  S2: ['illicit'],
  S3: ['sexual', 'illicit/violent'],
  S4: ['sexual/minors', 'sexual'],
  S5: ['harassment'],
  S6: [],
  S7: [],
  S8: [],
  S9: ['illicit/violent', 'violence'],
  S10: ['hate', 'harassment'],
  S11: ['self-harm', 'self-harm/intent', 'self-harm/instructions'],
  S12: ['sexual'],
  S13: [],
  S14: [],
};

/** One result of `POST /v1/moderations`, in OpenAI's schema. */
export interface OpenAIModerationResult {
  flagged: boolean;
  categories: Record<OpenAIModerationKey, boolean>;
  category_scores: Record<OpenAIModerationKey, number>;
  /** Always `['text']`: Llama Guard 3 1B reads text only; images are never judged. */
  category_applied_input_types: Record<OpenAIModerationKey, 'text'[]>;
}

function keyed<T>(value: () => T) {
  return Object.fromEntries(openAIModerationKeys.map((key) => [key, value()])) as Record<
    OpenAIModerationKey,
    T
  >;
}

/**
 * A verdict as an OpenAI moderation result (see {@link sCodeToOpenAI} for keys and scores).
 * @example
 * toOpenAIModeration(verdict).categories['illicit/violent']; // true for an S9 verdict
 */
export function toOpenAIModeration(verdict: Verdict): OpenAIModerationResult {
  const categories = keyed(() => false);
  const scores = keyed(() => 0);
  if (!verdict.safe) {
    for (const category of verdict.categories) {
      const conditional = category.probability;
      const contribution =
        conditional === undefined
          ? (verdict.unsafeProbability ?? 1)
          : (verdict.unsafeProbability ?? 1) * conditional;
      for (const key of sCodeToOpenAI[category.code] ?? []) {
        categories[key] = true;
        scores[key] = Math.min(1, scores[key] + contribution);
      }
    }
  }
  return {
    flagged: !verdict.safe,
    categories,
    category_scores: scores,
    category_applied_input_types: keyed((): 'text'[] => ['text']),
  };
}
