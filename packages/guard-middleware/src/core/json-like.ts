const constants = ['NaN', 'Infinity', '-Infinity'];

/** The Python constant that starts at `index` of `text`, if one does. */
function constantAt(text: string, index: number): string | undefined {
  const code = text.charCodeAt(index);
  if (code !== 78 && code !== 73 && code !== 45) return undefined; // N, I, -
  return constants.find((constant) => text.startsWith(constant, index));
}

/**
 * Replaces bare `NaN`, `Infinity` and `-Infinity` outside strings by `null`; `undefined` when
 * there are none. One pass over character codes, the text between replacements copied in
 * slices (a string grown one character at a time took 100 ms a MB).
 */
function withoutPythonConstants(text: string): string | undefined {
  const pieces: string[] = [];
  let from = 0;
  let index = 0;
  while (index < text.length) {
    if (text.charCodeAt(index) === 34) {
      // A string: skip to its closing quote, escapes included.
      for (index++; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (code === 92) index++;
        else if (code === 34) break;
      }
      index++;
      continue;
    }
    const constant = constantAt(text, index);
    if (constant === undefined) {
      index++;
      continue;
    }
    pieces.push(text.slice(from, index), 'null');
    index += constant.length;
    from = index;
  }
  if (pieces.length === 0) return undefined;
  pieces.push(text.slice(from));
  return pieces.join('');
}

/**
 * Parses JSON as Python's `json` module does for what matters here: `NaN`, `Infinity` and
 * `-Infinity` are accepted (read as `null`: only the text is judged). Never throws.
 * @example
 * parseJsonLike('{"n": NaN, "prompt": "hi"}'); // { ok: true, value: { n: null, prompt: 'hi' } }
 */
export function parseJsonLike(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const tolerant = withoutPythonConstants(text);
    if (tolerant !== undefined) {
      try {
        return { ok: true, value: JSON.parse(tolerant) };
      } catch {
        // fall through to the first error
      }
    }
    return { ok: false, reason: (error as Error).message };
  }
}
