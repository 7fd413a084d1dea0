import { VigilModelError } from '@vigil/guard-core';

/** The parts of a Transformers.js tokenizer this engine uses (`PreTrainedTokenizer`). */
export interface LoadedTokenizer {
  (text: string, options: { add_special_tokens: boolean }): { input_ids: { tolist(): unknown[] } };
  decode(tokens: readonly number[], options?: { skip_special_tokens?: boolean }): string;
  chat_template?: unknown;
  /** The tokenizer proper (`@huggingface/tokenizers`), for plain text: see {@link PromptTokens.plain}. */
  _tokenizer: {
    normalizer: ((text: string) => string) | null;
    pre_tokenizer: ((text: string, options?: { section_index?: number }) => string[]) | null;
    model: ((pieces: string[]) => string[]) & { tokens_to_ids: Map<string, number> };
  };
}

/**
 * Text to token ids as the local engine has them: the template's own text (prefix and tail) with
 * special tokens parsed, the conversation as plain text, where `<|eot_id|>` typed by a user is
 * text and never a control token.
 */
export class PromptTokens {
  readonly #tokenizer: LoadedTokenizer;
  readonly #special = new Map<string, number[]>();

  constructor(tokenizer: LoadedTokenizer) {
    this.#tokenizer = tokenizer;
    const inner = tokenizer._tokenizer;
    if (typeof inner?.model !== 'function' || !(inner.model.tokens_to_ids instanceof Map)) {
      throw new VigilModelError(
        'model: the tokenizer has no byte-level BPE model to tokenize plain text with (is this a Llama 3 tokenizer?)',
      );
    }
    // The conversation must never yield a control token, whatever it says.
    const probe = this.plain('<|eot_id|><|start_header_id|>');
    if (probe.some((token) => token >= 128_000)) {
      throw new VigilModelError(
        'model: plain text tokenized into control tokens; this tokenizer is not supported',
      );
    }
  }

  /** Template text: special tokens such as `<|eot_id|>` are parsed. Cached (the prefix repeats). */
  special(text: string): number[] {
    let tokens = this.#special.get(text);
    if (!tokens) {
      tokens = this.#tokenizer(text, { add_special_tokens: false }).input_ids.tolist().flat(2).map(Number);
      if (this.#special.size > 256) this.#special.clear();
      this.#special.set(text, tokens);
    }
    return tokens;
  }

  /**
   * Plain text, as llama.cpp tokenizes without parsing special tokens: normalizer, pre-tokenizer
   * and BPE, skipping the added-token splitter Transformers.js applies to every input.
   */
  plain(text: string): number[] {
    if (text.length === 0) return [];
    const { normalizer, pre_tokenizer, model } = this.#tokenizer._tokenizer;
    const normalized = normalizer ? normalizer(text) : text;
    const pieces = pre_tokenizer ? pre_tokenizer(normalized, { section_index: 0 }) : [normalized];
    return model(pieces).map((piece) => {
      const id = model.tokens_to_ids.get(piece);
      if (id === undefined)
        throw new VigilModelError(`model: no token id for the piece ${JSON.stringify(piece)}`);
      return id;
    });
  }

  detokenize(tokens: readonly number[]): string {
    return tokens.length === 0 ? '' : this.#tokenizer.decode([...tokens], { skip_special_tokens: false });
  }

  /** The one token of `text`, or a `VigilModelError` naming the vocabulary mismatch. */
  single(text: string): number {
    const tokens = this.plain(text);
    if (tokens.length !== 1) {
      throw new VigilModelError(
        `model: '${JSON.stringify(text)}' is ${tokens.length} tokens in this vocabulary, expected one (is this a Llama 3 tokenizer?)`,
      );
    }
    return tokens[0] as number;
  }
}

/** Llama Guard's answer tokens, read from the model's own vocabulary. */
export interface AnswerTokens {
  readonly safe: number;
  readonly unsafe: number;
  readonly newline: number;
  readonly codePrefix: number;
  /** `,S`, which starts every code after the first, when it is one token here. */
  readonly nextCode: number | undefined;
  /** The number token of each code (`S10` -> `10`), for codes whose number is one token. */
  codeTokens(codes: readonly string[]): ReadonlyMap<string, number>;
}

export function answerTokensOf(tokens: PromptTokens): AnswerTokens {
  const commaS = tokens.plain(',S');
  const byCodes = new Map<string, ReadonlyMap<string, number>>();
  return {
    safe: tokens.single('safe'),
    unsafe: tokens.single('unsafe'),
    newline: tokens.single('\n'),
    codePrefix: tokens.single('S'),
    nextCode: commaS.length === 1 ? commaS[0] : undefined,
    codeTokens(codes) {
      const key = codes.join(',');
      let found = byCodes.get(key);
      if (!found) {
        const map = new Map<string, number>();
        for (const code of codes) {
          const number = tokens.plain(code.slice(1));
          if (number.length === 1) map.set(code, number[0] as number);
        }
        found = map;
        byCodes.set(key, found);
      }
      return found;
    },
  };
}
