/** What a draft model must share with the chat model: its tokenizer, as GGUF metadata holds it. */
export interface Vocabulary {
  /** `tokenizer.ggml.tokens`: the text of every token id. */
  tokens: readonly string[];
  bos: number | undefined;
  eos: number | undefined;
}

/** The tokenizer facts of a GGUF's metadata (as node-llama-cpp's `readGgufFileInfo` parses it). */
export function vocabularyOf(metadata: {
  tokenizer?: { ggml?: { tokens?: readonly string[]; bos_token_id?: number; eos_token_id?: number } };
}): Vocabulary {
  const ggml = metadata.tokenizer?.ggml;
  return { tokens: ggml?.tokens ?? [], bos: ggml?.bos_token_id, eos: ggml?.eos_token_id };
}

const shown = (value: number | string | undefined) => (value === undefined ? 'none' : JSON.stringify(value));

/**
 * Why tokens drafted by `draft` cannot be checked by `target`, or `undefined` when they can: the
 * same vocabulary size, BOS and EOS ids, and the same text for every token id (compared one by
 * one: 128,256 string comparisons, a few milliseconds). A draft with another tokenizer would make
 * every guess wrong at best, and at worst feed the chat model ids past its vocabulary.
 * @example
 * vocabularyMismatch(vocabularyOf(target.metadata), vocabularyOf(draft.metadata)); // undefined
 */
export function vocabularyMismatch(target: Vocabulary, draft: Vocabulary): string | undefined {
  if (target.tokens.length === 0 || draft.tokens.length === 0) {
    return `tokenizer.ggml.tokens: expected a token list in both, received ${target.tokens.length} and ${draft.tokens.length} tokens`;
  }
  if (target.tokens.length !== draft.tokens.length) {
    return `vocabulary size: expected ${target.tokens.length} tokens (the chat model's), received ${draft.tokens.length}`;
  }
  if (target.bos !== draft.bos) {
    return `BOS token: expected ${shown(target.bos)} (the chat model's), received ${shown(draft.bos)}`;
  }
  if (target.eos !== draft.eos) {
    return `EOS token: expected ${shown(target.eos)} (the chat model's), received ${shown(draft.eos)}`;
  }
  for (let id = 0; id < target.tokens.length; id++) {
    if (target.tokens[id] !== draft.tokens[id]) {
      return `token ${id}: expected ${shown(target.tokens[id])} (the chat model's), received ${shown(draft.tokens[id])}`;
    }
  }
  return undefined;
}
