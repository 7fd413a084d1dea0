import type { LlamaModel, Token } from 'node-llama-cpp';
import { TokenBias } from 'node-llama-cpp';
import { VigilModelError } from '../../errors.js';

/**
 * A logit added to the tokens a step may choose from. Adding the same constant to `safe` and
 * `unsafe` leaves their ratio as the model has it and pushes every other token to ~0, so the
 * sampler's confidence in the chosen one is exactly P(chosen) / (P(safe) + P(unsafe)).
 */
const allowedLogit = 1000;

export interface CodeTokens {
  /** Allows only the codes' number tokens. */
  bias: TokenBias;
  tokens: ReadonlyMap<string, Token>;
  codeOf: ReadonlyMap<Token, string>;
}

/** The token ids of Llama Guard's answer, read from the model's own vocabulary. */
export class AnswerTokens {
  readonly #model: LlamaModel;
  readonly #codeBiases = new Map<string, CodeTokens>();

  private constructor(
    model: LlamaModel,
    readonly safe: Token,
    readonly unsafe: Token,
    readonly newline: Token,
    readonly codePrefix: Token,
    readonly verdictBias: TokenBias,
    /** `,S`, which starts every code after the first (one token in Llama 3), if one token here. */
    readonly nextCode: Token | undefined,
  ) {
    this.#model = model;
  }

  static forModel(model: LlamaModel) {
    const single = (text: string) => {
      const tokens = model.tokenize(text, false);
      if (tokens.length !== 1) {
        throw new VigilModelError(
          `model: '${JSON.stringify(text)}' is ${tokens.length} tokens in this vocabulary, expected one (is this a Llama 3 tokenizer?)`,
        );
      }
      return tokens[0] as Token;
    };
    const safe = single('safe');
    const unsafe = single('unsafe');
    const verdictBias = new TokenBias(model.tokenizer).set([safe, unsafe], { logit: allowedLogit });
    const commaS = model.tokenize(',S', false);
    const nextCode = commaS.length === 1 ? commaS[0] : undefined;
    return new AnswerTokens(model, safe, unsafe, single('\n'), single('S'), verdictBias, nextCode);
  }

  /** The number tokens of the given codes (`S10` -> the one token `10`) and a bias allowing only them. */
  codeBias(codes: readonly string[]): CodeTokens {
    const key = codes.join(',');
    let found = this.#codeBiases.get(key);
    if (!found) {
      const tokens = new Map<string, Token>();
      const codeOf = new Map<Token, string>();
      for (const code of codes) {
        const number = this.#model.tokenize(code.slice(1), false);
        if (number.length !== 1) continue;
        tokens.set(code, number[0] as Token);
        codeOf.set(number[0] as Token, code);
      }
      const bias = new TokenBias(this.#model.tokenizer).set([...tokens.values()], { logit: allowedLogit });
      found = { bias, tokens, codeOf };
      this.#codeBiases.set(key, found);
    }
    return found;
  }
}
