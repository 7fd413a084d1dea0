import type { LlamaModel, Token } from 'node-llama-cpp';
import type { PromptSegments } from '../../prompt/segments.js';
import type { EngineTokenizer } from '../types.js';
import { tokenizeChunked } from './tokenize-chunked.js';

/** A prompt's tokens, with where its policy prefix and its conversation end. */
export interface PromptTokenList {
  prefixTokens: Token[];
  tokens: Token[];
  conversationEnd: number;
}

/**
 * Tokenizes Llama Guard prompts with the model's tokenizer: the fixed prefix and tail with special
 * tokens (cached by text), the conversation as plain text (in pieces that yield to the event loop
 * when it is long). A prompt measured (`tokenizer.promptTokens`, to fit a long conversation) and
 * then scored is tokenized once, by segments object, however many calls run at once.
 */
export class PromptTokens {
  readonly #model: LlamaModel;
  readonly #special = new Map<string, Token[]>();
  readonly #tokenized = new WeakMap<PromptSegments, Promise<PromptTokenList>>();
  /** The engine's tokenizer (plain text, no special tokens). */
  readonly tokenizer: EngineTokenizer;

  constructor(model: LlamaModel) {
    this.#model = model;
    this.tokenizer = {
      tokenize: (text) => this.#plain(text),
      detokenize: (tokens) => model.detokenize(tokens as Token[]),
      promptTokens: async (segments) => (await this.of(segments)).tokens.length,
    };
  }

  of(segments: PromptSegments): Promise<PromptTokenList> {
    let found = this.#tokenized.get(segments);
    if (!found) {
      found = this.#tokenize(segments);
      this.#tokenized.set(segments, found);
    }
    return found;
  }

  async #tokenize({ prefix, conversation, tail }: PromptSegments): Promise<PromptTokenList> {
    const prefixTokens = this.#withSpecial(prefix);
    const middle =
      conversation.length <= 4096
        ? this.#model.tokenize(conversation, false)
        : await this.#plain(conversation);
    const tokens = prefixTokens.concat(middle, this.#withSpecial(tail));
    return { prefixTokens, tokens, conversationEnd: prefixTokens.length + middle.length };
  }

  #plain(text: string) {
    return tokenizeChunked(text, (piece) => this.#model.tokenize(piece, false));
  }

  #withSpecial(text: string) {
    let tokens = this.#special.get(text);
    if (!tokens) {
      tokens = this.#model.tokenize(text, true);
      if (this.#special.size > 256) this.#special.clear();
      this.#special.set(text, tokens);
    }
    return tokens;
  }
}
