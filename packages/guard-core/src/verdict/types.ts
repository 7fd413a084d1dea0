import type { JudgedRole } from '../conversation/types.js';
import type { Usage } from '../engine/types.js';

// The verdict's types, in a leaf of their own: errors, engines and the wire layer name a verdict
// without importing the code that builds one.

/** A category the model named that the policy contains. */
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

/** How a long conversation was cut to fit, when it was (see `Verdict.truncated`). */
export interface Truncation {
  /** Tokens of the whole prompt before cutting. */
  promptTokens: number;
  /** Turns left out, oldest first. */
  droppedTurns: number;
  /** Windows the judged turn was judged in; `1` when it fit whole. */
  windows: number;
}
