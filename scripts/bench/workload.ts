// Deterministic English-like text of a chosen length, for benchmarks. Words are common single
// tokens in Llama 3, so a message of n words is about n tokens.
const words = (
  'the of and to in is was for on that with as by at from his her an were which are this be had not ' +
  'but they one all their there has been more when who will would no out so can said what up its ' +
  'about into than them only other new some could time these two may then first any like over ' +
  'after also made did many before must through back years where much your way well down should ' +
  'because each just those people how too little state good very make world still own see men work ' +
  'long get here between both life being under never day same another know while last might us ' +
  'great old year off come since against go came right used take three garden river morning music'
).split(' ');

/** A seeded pseudo-random stream (xorshift32), so every run measures the same text. */
export function randomStream(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** A sentence-like text of about `tokens` tokens. */
export function textOfTokens(tokens: number, seed: number) {
  const next = randomStream(seed);
  const out: string[] = [];
  for (let index = 0; index < tokens; index++) {
    const word = words[Math.floor(next() * words.length)] as string;
    out.push(index === 0 ? word[0]?.toUpperCase() + word.slice(1) : word);
    if (index % 14 === 13 && index < tokens - 1) out[out.length - 1] += '.';
  }
  return `${out.join(' ')}.`;
}

export function percentile(values: readonly number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const round = (value: number, digits = 3) => Number(value.toFixed(digits));
