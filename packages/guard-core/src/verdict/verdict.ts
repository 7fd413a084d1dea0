import type { JudgedRole } from '../conversation/types.js';
import type { Truncation } from '../engine/long-conversation.js';
import type { ScoreResult, Usage } from '../engine/types.js';
import type { Policy } from '../policy/policy.js';
import { categoryThreshold, isFlagged } from '../policy/thresholds.js';

export interface VerdictCategory {
  /** `S1`..`S14` or a custom category's code. */
  code: string;
  /** Display name, e.g. `Indiscriminate Weapons`. */
  name: string;
  /** The model's probability of this code at the category position (when asked for). */
  probability?: number | undefined;
}

/** The outcome of one classification. Data, safe or not: only failures throw. */
export interface Verdict {
  /**
   * False when some category the model named that is in the policy has `unsafeProbability` at or
   * above its threshold (`thresholds[code]`, else `threshold`), or the model named no category and
   * `unsafeProbability` reaches `threshold`. Without a probability, the model's answer decides:
   * unsafe when it named a category the policy contains (see `judgeScore`).
   */
  safe: boolean;
  /** The role judged: the last turn's. */
  role: JudgedRole;
  /**
   * P(unsafe) / (P(safe) + P(unsafe)) for the first answer token, from the model's own logits.
   * `null` only when a remote engine returned no logprobs (the verdict then follows the text).
   */
  unsafeProbability: number | null;
  /**
   * How `unsafeProbability` was read: `logprobs` (the model's own distribution, as locally),
   * `bounded` (a remote server listed only one of `safe`/`unsafe`: the bound nearest 0.5),
   * `text` (the server sent no logprobs: `unsafeProbability` is `null` and the verdict follows the
   * model's answer text, i.e. its own 0.5 point rather than `threshold`).
   */
  probabilitySource: 'logprobs' | 'bounded' | 'text';
  /** Categories the model named that the policy contains. */
  categories: VerdictCategory[];
  /**
   * Codes the model named that the policy does not contain, or whose own threshold the score does
   * not reach; they do not make a verdict unsafe.
   */
  ignoredCategories: string[];
  /** The model's answer text, e.g. `unsafe\nS9`. */
  raw: string;
  usage: Usage;
  /** Wall time of the call, queueing included. */
  durationMs: number;
  /** True when the verdict came from the verdict cache (no inference). */
  cached: boolean;
  /**
   * Set when the conversation was longer than the longest context and was cut to fit
   * (`longConversation: 'truncate'`): how many of its oldest turns were left out, and in how many
   * overlapping windows a judged turn too long on its own was judged. Absent otherwise.
   */
  truncated?: Truncation | undefined;
}

/** How a score reads under a policy: the verdict's `safe`, and its named codes sorted. */
export interface Judgement {
  safe: boolean;
  /** Codes named that are in force and whose threshold the score reaches, in the model's order. */
  firing: string[];
  /** The other codes named (outside the policy, or below their own threshold). */
  ignored: string[];
}

/**
 * The threshold decision, made here and nowhere else (engines only decide whether to decode
 * codes, at `ScoreRequest.threshold`): the rule of {@link isFlagged} on the engine's probability
 * and decoded codes. Without a probability (a remote server without logprobs) the model's own
 * answer decides: unsafe when it named a code in force.
 */
export function judgeScore(
  result: Pick<ScoreResult, 'unsafeProbability' | 'codes'>,
  policy: Policy,
): Judgement {
  const probability = result.unsafeProbability;
  const active = new Set(policy.categories.map((c) => c.code));
  const reaches = (code: string) => probability === null || probability >= categoryThreshold(policy, code);
  const firing: string[] = [];
  const ignored: string[] = [];
  for (const code of result.codes) (active.has(code) && reaches(code) ? firing : ignored).push(code);
  const flagged =
    probability === null
      ? firing.length > 0
      : isFlagged(
          policy,
          probability,
          result.codes.filter((code) => active.has(code)),
          result.codes.length,
        );
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
