/** The token with the highest logit, among `among` when given. */
export function argmax(logits: Float32Array, among?: readonly number[]): number | undefined {
  let best: number | undefined;
  let bestLogit = Number.NEGATIVE_INFINITY;
  const consider = (token: number) => {
    const logit = logits[token] ?? Number.NEGATIVE_INFINITY;
    if (logit > bestLogit) {
      bestLogit = logit;
      best = token;
    }
  };
  if (among) for (const token of among) consider(token);
  else for (let token = 0; token < logits.length; token++) consider(token);
  return best;
}

/** Softmax probabilities of `among` (default: every token), normalised over those tokens. */
export function softmaxOver(logits: Float32Array, among?: readonly number[]): Map<number, number> {
  const ids = among ?? Array.from(logits.keys());
  let max = Number.NEGATIVE_INFINITY;
  for (const token of ids) max = Math.max(max, logits[token] ?? Number.NEGATIVE_INFINITY);
  let sum = 0;
  const exps = new Map<number, number>();
  for (const token of ids) {
    const value = Math.exp((logits[token] ?? Number.NEGATIVE_INFINITY) - max);
    exps.set(token, value);
    sum += value;
  }
  for (const [token, value] of exps) exps.set(token, value / sum);
  return exps;
}
