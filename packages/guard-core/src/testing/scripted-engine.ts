import { sleep } from '../async/sleep.js';
import { answerText } from '../engine/answer-text.js';
import type { GuardEngine, ScoreRequest, ScoreResult } from '../engine/types.js';
import { VigilAbortError, VigilDisposedError, VigilEngineError } from '../errors.js';

/** One rule of a scripted engine: when the judged turn matches, answer unsafe with this code. */
export interface ScriptedRule {
  /** A substring (case-insensitive) or a pattern tested against the judged turn's text. */
  match: string | RegExp;
  /** The code the "model" names, e.g. `S9`. */
  code: string;
  /** The unsafe probability it reports. Defaults to `0.97`. */
  probability?: number;
}

export interface ScriptedEngineOptions {
  /** Defaults to a few words per common category: ` bomb` S9, ` kill` S1, ` hate` S10. */
  rules?: readonly ScriptedRule[];
  /** The unsafe probability of a turn no rule matches. Defaults to `0.02`. */
  safeProbability?: number;
  /** Milliseconds each score takes (honours abort while waiting). Defaults to `0`. */
  delayMs?: number;
  /** Make every call fail with this error (or a `VigilEngineError` when `true`). */
  fail?: boolean | Error;
  /** Never answer (until aborted): a hung model. */
  hang?: boolean;
  /** Judge the whole conversation instead of only the last turn. Defaults to `false`. */
  wholeConversation?: boolean;
}

const defaultRules: ScriptedRule[] = [
  { match: /\bbomb\b/i, code: 'S9' },
  { match: /\bkill\b/i, code: 'S1' },
  { match: /\bhate\b/i, code: 'S10' },
];

/** The text of the judged (last) turn in a rendered conversation segment. */
function lastTurn(conversation: string) {
  const starts = [...conversation.matchAll(/(?:^|\n\n)(?:User|Agent): /g)];
  const last = starts.at(-1);
  return last ? conversation.slice((last.index ?? 0) + last[0].length) : conversation;
}

/**
 * A scripted engine for tests: no model, the whole guard pipeline (conversation, policy, prompt,
 * verdict) still runs. It reads the rendered conversation and answers by rules.
 * @example
 * const guard = await createGuard({ engine: createScriptedEngine({ rules: [{ match: 'bomb', code: 'S9' }] }) });
 */
export function createScriptedEngine(
  options: ScriptedEngineOptions = {},
): GuardEngine & AsyncDisposable & { calls: ScoreRequest[] } {
  const rules = options.rules ?? defaultRules;
  const calls: ScoreRequest[] = [];
  let disposed = false;
  const dispose = async () => {
    disposed = true;
  };
  return {
    calls,
    model: { id: 'scripted', contextSize: 1_000_000 },
    async score(request): Promise<ScoreResult> {
      if (disposed) throw new VigilDisposedError('scripted engine: the engine was disposed');
      calls.push(request);
      if (options.hang) await sleep(Number.POSITIVE_INFINITY, request.signal);
      if (options.delayMs) await sleep(options.delayMs, request.signal);
      if (request.signal?.aborted) throw new VigilAbortError('classify: aborted');
      if (options.fail) {
        throw options.fail === true
          ? new VigilEngineError('scripted engine: failing as asked')
          : options.fail;
      }
      const text = options.wholeConversation
        ? request.segments.conversation
        : lastTurn(request.segments.conversation);
      const matched = rules.filter((rule) =>
        typeof rule.match === 'string'
          ? text.toLowerCase().includes(rule.match.toLowerCase())
          : rule.match.test(text),
      );
      const probability = matched.length
        ? Math.max(...matched.map((rule) => rule.probability ?? 0.97))
        : (options.safeProbability ?? 0.02);
      // Codes are decoded at the request's threshold, as the real engines decode them.
      const codes = probability >= request.threshold ? [...new Set(matched.map((rule) => rule.code))] : [];
      const tokens = Math.ceil((request.segments.prefix.length + request.segments.conversation.length) / 4);
      return {
        unsafeProbability: probability,
        probabilitySource: 'logprobs',
        codes,
        raw: answerText(codes),
        categoryProbabilities:
          request.includeCategoryProbabilities && codes.length > 0
            ? Object.fromEntries(codes.map((code) => [code, 1 / codes.length]))
            : undefined,
        usage: { promptTokens: tokens, evaluatedTokens: tokens, cachedTokens: 0 },
      };
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
