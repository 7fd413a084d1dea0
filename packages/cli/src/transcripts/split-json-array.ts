import type { NumberedLine } from './read-lines.js';

/** One top-level element of a JSON array, as text, with the line it starts on. */
export interface JsonElement {
  text: string;
  line: number;
}

/** The document is not an array of elements; `line` says where it went wrong. */
export interface JsonSplitProblem {
  problem: string;
  line: number;
}

/**
 * Splits a JSON document that is an array into its top-level elements without parsing the whole
 * document, so a multi-GB array is read in constant memory. A document that is a single object
 * yields that object as one element. Elements are returned as text for the caller to parse.
 * @example
 * for await (const element of splitJsonArray(readLines(stream))) JSON.parse(element.text);
 */
export async function* splitJsonArray(
  lines: AsyncIterable<Pick<NumberedLine, 'text' | 'line'>>,
): AsyncGenerator<JsonElement | JsonSplitProblem> {
  let mode: 'start' | 'array' | 'single' | 'done' = 'start';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let elementLine = 0;
  let lastLine = 0;
  const stringSpecials = /["\\]/g;
  for await (const { text, line } of lines) {
    lastLine = line;
    // Where the current element's text starts on this line (-1: not in an element).
    let from = depth > 0 || inString ? 0 : -1;
    for (let index: number = escaped ? 1 : 0; index < text.length; index++) {
      escaped = false;
      if (inString) {
        stringSpecials.lastIndex = index;
        const found = stringSpecials.exec(text);
        if (!found) break;
        index = found.index;
        if (text[index] === '\\') {
          index++;
          escaped = index >= text.length;
          continue;
        }
        inString = false;
        if (depth > 0) continue;
      } else {
        const char = text[index] as string;
        if (mode === 'done' || depth === 0) {
          if (char === ' ' || char === '\t' || char === '\r') continue;
          if (mode === 'done') {
            yield { problem: `unexpected '${char}' after the end of the JSON document`, line };
            return;
          }
          if (mode === 'start') {
            if (char === '[') mode = 'array';
            else if (char === '{') {
              mode = 'single';
              depth = 1;
              from = index;
              elementLine = line;
            } else {
              yield { problem: `expected a JSON array or object, received '${char}'`, line };
              return;
            }
            continue;
          }
          if (char === ',') continue;
          if (char === ']') {
            mode = 'done';
            continue;
          }
          elementLine = line;
          from = index;
          if (char === '"') inString = true;
          else if (char === '{' || char === '[') depth = 1;
          else {
            const primitive = /^[^,\]\s]+/.exec(text.slice(index))?.[0] ?? char;
            yield { text: primitive, line };
            index += primitive.length - 1;
            from = -1;
          }
          continue;
        }
        if (char === '"') inString = true;
        else if (char === '{' || char === '[') depth++;
        else if (char === '}' || char === ']') depth--;
        if (depth > 0 || inString) continue;
      }
      yield { text: element + text.slice(from, index + 1), line: elementLine };
      element = '';
      from = -1;
      if (mode === 'single') mode = 'done';
    }
    if (from !== -1) element += `${text.slice(from)}\n`;
  }
  if (mode === 'start') yield { problem: 'the file is empty; expected a JSON array', line: 1 };
  else if (mode !== 'done') {
    yield {
      problem: `unexpected end of file: the JSON ${mode === 'array' ? 'array' : 'object'} is not closed`,
      line: depth > 0 || inString ? elementLine : lastLine,
    };
  }
}
