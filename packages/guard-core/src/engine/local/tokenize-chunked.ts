import { shareLoop } from '../../share-loop.js';

/** Characters tokenized in one synchronous call: a few milliseconds of llama.cpp's tokenizer. */
export const tokenizeChunkChars = 16_384;
/** How far back from a chunk's end a cut point is looked for. */
const searchChars = 2048;

/**
 * Where `text` may be cut before `end` so that the two pieces tokenize, one by one, exactly as
 * the whole does under Llama 3's pre-tokenizer, which never joins across these seams: after a
 * run of line breaks and before a non-space character (`\s*[\r\n]+` ends there), or before one
 * space that follows a non-space and precedes a letter (the space then starts the next word, `
 * word`, whichever piece it is in). Falls back to `end` itself (not inside a surrogate pair)
 * for text without such a seam: only the tokens at that one seam may then differ.
 */
export function cutPoint(text: string, end: number): number {
  const floor = Math.max(1, end - searchChars);
  for (let index = end; index > floor; index--) {
    const before = text.charCodeAt(index - 1);
    const at = text.charCodeAt(index);
    if (before === 10 && !isSpace(at)) return index;
    if (at === 32 && !isSpace(before) && isLetter(text, index + 1)) return index;
  }
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/**
 * Tokenizes long text in pieces cut at {@link cutPoint}, giving the event loop a turn between
 * pieces ({@link shareLoop}: one queue for every call at once), so that a megabyte of text, or
 * eight, never blocks the loop for much more than one slice. Short text is tokenized in one call.
 */
export async function tokenizeChunked<T>(text: string, tokenize: (piece: string) => T[]): Promise<T[]> {
  if (text.length <= tokenizeChunkChars) return tokenize(text);
  const tokens: T[] = [];
  let start = 0;
  while (start < text.length) {
    const turn = shareLoop();
    if (turn) await turn;
    const end =
      text.length - start <= tokenizeChunkChars ? text.length : cutPoint(text, start + tokenizeChunkChars);
    const piece = tokenize(text.slice(start, end));
    for (const token of piece) tokens.push(token);
    start = end;
  }
  return tokens;
}

const space = /\s/;

/** White space for JavaScript or for Python (which adds U+001C-U+001F and U+0085). */
function isSpace(code: number) {
  return (code >= 0x1c && code <= 0x1f) || code === 0x85 || space.test(String.fromCharCode(code));
}

const letter = /\p{L}/u;

function isLetter(text: string, index: number) {
  const char = String.fromCodePoint(text.codePointAt(index) ?? 0);
  return index < text.length && letter.test(char);
}
