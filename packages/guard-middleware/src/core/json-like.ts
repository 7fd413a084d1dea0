/** Replaces bare `NaN`, `Infinity` and `-Infinity` outside strings by `null`; `undefined` when there are none. */
function withoutPythonConstants(text: string): string | undefined {
  let out = '';
  let changed = false;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (inString) {
      out += char;
      if (char === '\\') {
        out += text[index + 1] ?? '';
        index++;
      } else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      out += char;
      continue;
    }
    const match = /^(-?Infinity|NaN)/.exec(text.slice(index, index + 9));
    if (match) {
      out += 'null';
      index += match[0].length - 1;
      changed = true;
      continue;
    }
    out += char;
  }
  return changed ? out : undefined;
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
