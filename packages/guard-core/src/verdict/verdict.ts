import type { JudgedRole } from '../conversation/types.js';
import type { ScoreResult } from '../engine/types.js';
import type { Policy } from '../policy/policy.js';
import { categoryThreshold, isFlagged } from '../policy/thresholds.js';
import type { Verdict, VerdictCategory } from './types.js';

/** How a score reads under a policy: the verdict's `safe`, and its named codes sorted. */
export interface Judgement {
  safe: boolean;
  /** Codes named that are in force and whose threshold the score reaches, in the model's order. */
  firing: string[];
  /** The other codes named (outside the policy, or below their own threshold). */
  ignored: string[];
}

/** What the threshold decision reads of a policy: its thresholds and the categories in force. */
export type JudgedPolicy = Pick<Policy, 'threshold' | 'thresholds'> & {
  readonly categories: readonly { readonly code: string }[];
};

/**
 * The threshold decision, made here and nowhere else (engines only decide whether to decode
 * codes, at `ScoreRequest.threshold`; `eval --tune` replays it at other thresholds): the rule of
 * {@link isFlagged} on the engine's probability and decoded codes. Without a probability (a
 * remote server without logprobs) the model's own answer decides: unsafe when it named a code in
 * force.
 * @example
 * judgeScore({ unsafeProbability: 0.7, codes: ['S9'] }, policy).safe; // false when S9 is in force at 0.5
 */
export function judgeScore(
  result: Pick<ScoreResult, 'unsafeProbability' | 'codes'>,
  policy: JudgedPolicy,
): Judgement {
  const probability = result.unsafeProbability;
  const active = (code: string) => policy.categories.some((category) => category.code === code);
  const reaches = (code: string) => probability === null || probability >= categoryThreshold(policy, code);
  const firing: string[] = [];
  const ignored: string[] = [];
  for (const code of result.codes) (active(code) && reaches(code) ? firing : ignored).push(code);
  const flagged =
    probability === null
      ? firing.length > 0
      : isFlagged(policy, probability, result.codes.filter(active), result.codes.length);
  return { safe: !flagged, firing, ignored };
}

/** Applies the policy to an engine's score ({@link judgeScore}) and names the categories. */
export function buildVerdict(
  result: ScoreResult,
  policy: Policy,
  role: JudgedRole,
  durationMs: number,
): Verdict {
  const { safe, firing, ignored } = judgeScore(result, policy);
  const categories = firing.map((code): VerdictCategory => {
    const category: VerdictCategory = { code, name: policy.known.get(code)?.name ?? code };
    const codeProbability = result.categoryProbabilities?.[code];
    if (codeProbability !== undefined) category.probability = codeProbability;
    return category;
  });
  return {
    safe,
    role,
    unsafeProbability: result.unsafeProbability,
    probabilitySource: result.probabilitySource,
    categories,
    ignoredCategories: ignored,
    raw: result.raw,
    usage: result.usage,
    durationMs,
    cached: false,
  };
}
