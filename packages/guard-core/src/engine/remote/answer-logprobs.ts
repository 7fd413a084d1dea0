/** One alternative at an answer position: the token's text and its log probability. */
export interface TokenChoice {
  token: string;
  logprob: number;
}

/** One generated token with the most likely alternatives at its position. */
export interface AnswerStep {
  token: string;
  top: readonly TokenChoice[];
}

export interface VerdictScore {
  value: number;
  /** `bounded` when one of `safe`/`unsafe` was not among the alternatives (see {@link verdictScore}). */
  source: 'logprobs' | 'bounded';
}

const find = (top: readonly TokenChoice[], token: string) => top.find((c) => c.token === token)?.logprob;

/**
 * P(unsafe) / (P(safe) + P(unsafe)) at the verdict position, from the server's top logprobs:
 * exactly the local engine's quantity when both tokens are listed. When one is missing, its
 * probability is at most `m` = min(smallest listed probability, 1 - sum of the listed ones), so
 * the ratio lies in an interval that never crosses 0.5; the bound nearest 0.5 (the least
 * confident value the reply allows) is returned as `bounded`. `undefined` when neither is listed.
 */
export function verdictScore(top: readonly TokenChoice[]): VerdictScore | undefined {
  const unsafe = find(top, 'unsafe');
  const safe = find(top, 'safe');
  if (unsafe !== undefined && safe !== undefined) {
    return { value: 1 / (1 + Math.exp(safe - unsafe)), source: 'logprobs' };
  }
  if (unsafe === undefined && safe === undefined) return undefined;
  const listed = top.map((c) => Math.exp(c.logprob));
  const missingAtMost = Math.max(0, Math.min(Math.min(...listed), 1 - listed.reduce((a, b) => a + b, 0)));
  const present = Math.exp((unsafe ?? safe) as number);
  const share = missingAtMost / (present + missingAtMost);
  return { value: unsafe !== undefined ? 1 - share : share, source: 'bounded' };
}

/** The number token of a code: `S10` -> `10` (Llama 3 groups up to three digits per token). */
export const codeNumber = (code: string) => code.slice(1);

/**
 * The probability of each known code at the category position, renormalized over the known
 * codes listed there, as the local engine's constrained distribution is; a known code outside
 * the listed alternatives counts as 0.
 */
export function codeProbabilities(
  top: readonly TokenChoice[],
  knownCodes: readonly string[],
): Record<string, number> {
  const weights = knownCodes.map((code) => {
    const logprob = find(top, codeNumber(code));
    return logprob === undefined ? 0 : Math.exp(logprob);
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const result: Record<string, number> = {};
  knownCodes.forEach((code, index) => {
    result[code] = total > 0 ? (weights[index] as number) / total : 0;
  });
  return result;
}

/** The most likely known code at a category position, as the local engine's constrained greedy step picks it. */
export function bestKnownCode(top: readonly TokenChoice[], knownCodes: readonly string[]) {
  let best: { code: string; logprob: number } | undefined;
  for (const code of knownCodes) {
    const logprob = find(top, codeNumber(code));
    if (logprob !== undefined && (!best || logprob > best.logprob)) best = { code, logprob };
  }
  return best?.code;
}

/** Skips whitespace-only tokens the server generated before the verdict (a `\n\n` the prompt should already end with). */
export function skipLeadingWhitespace(steps: readonly AnswerStep[]) {
  let start = 0;
  while (start < steps.length && /^\s+$/.test(steps[start]?.token ?? '')) start++;
  return steps.slice(start);
}

export interface DecodedCodes {
  codes: string[];
  /** The category position's alternatives, for probabilities. */
  firstTop: readonly TokenChoice[];
}

/**
 * Reads the codes from steps that start at the category position (just after `unsafe`, `\n`,
 * `S`). Like the local engine: each code is the most likely known one; another follows only
 * when the model's next token is `,S`; the model's own continuation is only read while it chose
 * the same code (after a different one it no longer matches what the local engine evaluates).
 */
export function decodeCodes(
  steps: readonly AnswerStep[],
  knownCodes: readonly string[],
  maxCodes: number,
): DecodedCodes | undefined {
  const first = steps[0];
  if (!first) return undefined;
  const codes: string[] = [];
  for (let index = 0; index < steps.length && codes.length < maxCodes; index += 2) {
    const step = steps[index] as AnswerStep;
    const code = bestKnownCode(step.top, knownCodes);
    if (!code || codes.includes(code)) break;
    codes.push(code);
    if (step.token !== codeNumber(code) || steps[index + 1]?.token !== ',S') break;
  }
  return codes.length > 0 ? { codes, firstTop: first.top } : undefined;
}

/** True when steps begin with Llama Guard's `unsafe`, `\n`, `S` (the category position is next). */
export function startsWithUnsafeCodeLine(steps: readonly AnswerStep[]) {
  return steps[0]?.token === 'unsafe' && steps[1]?.token === '\n' && steps[2]?.token === 'S';
}
