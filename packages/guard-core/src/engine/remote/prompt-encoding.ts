import type { PromptSegments } from '../../prompt/renderer.js';

/** Tokenizes text; `special` parses special-token text. */
export type Tokenize = (text: string, special: boolean) => Promise<readonly number[]>;

/** The forced start of an unsafe answer's category line: `unsafe`, `\n`, `S`. */
export const codeLine = 'unsafe\nS';

/**
 * Neutralizes text that a server tokenizing the whole prompt string would read as special tokens:
 * every Llama 3 special token starts with `<|`, so `<|` becomes `<｜` (U+FF5C, the full-width bar).
 * Only for prompts sent as text; token ids keep the text exactly.
 */
export function escapeSpecialTokens(text: string) {
  return text.replaceAll('<|', '<\uFF5C');
}

const categoriesStart = '<BEGIN UNSAFE CONTENT CATEGORIES>\n';
const categoriesEnd = '<END UNSAFE CONTENT CATEGORIES>';

/**
 * The fixed prefix with special-token look-alikes escaped in its category list: policy text is
 * data (validation already rejects `<|...|>` in custom categories; this holds for any policy text
 * in a prompt sent as text). The template's own tokens around the list stay.
 */
export function escapePolicyText(prefix: string) {
  const start = prefix.indexOf(categoriesStart);
  const end = prefix.indexOf(categoriesEnd, start);
  if (start < 0 || end < 0) return prefix;
  const from = start + categoriesStart.length;
  return prefix.slice(0, from) + escapeSpecialTokens(prefix.slice(from, end)) + prefix.slice(end);
}

/**
 * Turns prompt segments into what `/v1/completions` receives. With a tokenizer: token ids, the
 * fixed segments tokenized with special tokens (cached), the conversation without, exactly as the
 * local engine does. Without: the prompt string with special-token look-alikes escaped in the
 * conversation and the category list.
 */
export class PromptEncoding {
  readonly #special = new Map<string, readonly number[]>();

  /**
   * @param dropLeading text prompts only: a leading BOS text the server adds itself
   * (llama-server adds the model's BOS to every string prompt; Meta's template starts with one).
   */
  constructor(
    readonly format: 'tokens' | 'text',
    readonly dropLeading?: string | undefined,
  ) {}

  async #cached(text: string, special: boolean, tokenize: Tokenize) {
    const key = `${special ? 1 : 0}${text}`;
    let tokens = this.#special.get(key);
    if (!tokens) {
      tokens = await tokenize(text, special);
      if (this.#special.size > 256) this.#special.clear();
      this.#special.set(key, tokens);
    }
    return tokens;
  }

  async encode(segments: PromptSegments, tokenize: Tokenize | undefined): Promise<string | number[]> {
    if (this.format === 'text' || !tokenize) {
      const prefix =
        this.dropLeading && segments.prefix.startsWith(this.dropLeading)
          ? segments.prefix.slice(this.dropLeading.length)
          : segments.prefix;
      return escapePolicyText(prefix) + escapeSpecialTokens(segments.conversation) + segments.tail;
    }
    const [prefix, conversation, tail] = await Promise.all([
      this.#cached(segments.prefix, true, tokenize),
      tokenize(segments.conversation, false),
      this.#cached(segments.tail, true, tokenize),
    ]);
    return [...prefix, ...conversation, ...tail];
  }

  /** The prompt followed by `unsafe\nS`, so that the next position is the category code's. */
  async withCodeLine(prompt: string | number[], tokenize: Tokenize | undefined): Promise<string | number[]> {
    if (typeof prompt === 'string' || !tokenize) return `${prompt}${codeLine}`;
    return [...prompt, ...(await this.#cached(codeLine, false, tokenize))];
  }
}
