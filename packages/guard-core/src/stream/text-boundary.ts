/**
 * Where a streamed answer may be cut for a check: after whitespace or CJK punctuation, so no word
 * (and no UTF-16 surrogate pair, hence no UTF-8 character) is ever split across two checks.
 */

/** Whitespace, ideographic punctuation (U+3000-U+303F) and full-width punctuation. */
const boundaryCharacter = /[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff1f\uff5b-\uff65]/u;
/** A sentence end: `.`, `!`, `?` or `…` (and closing quotes) before whitespace, a CJK stop, or a newline. */
const sentenceEnd = /[.!?…]["'”’)\]]*\s|[。！？\n]/u;

/** A rough token count for English text under the Llama 3 tokenizer: 4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** True when `text` holds the end of a sentence. */
export function hasSentenceEnd(text: string): boolean {
  return sentenceEnd.test(text);
}

/**
 * The index just after the last word boundary in `text` at or after `from`, or `-1` when the
 * text after `from` holds no boundary (one incomplete word).
 * @example
 * lastWordEnd('Hello wor', 0); // 6: 'Hello ' is whole, 'wor' may continue
 */
export function lastWordEnd(text: string, from: number): number {
  for (let index = text.length - 1; index >= from; index--) {
    if (boundaryCharacter.test(text[index] as string)) return index + 1;
  }
  return -1;
}

/** `end`, moved back one code unit when it would split a surrogate pair. */
export function codePointEnd(text: string, end: number): number {
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}
