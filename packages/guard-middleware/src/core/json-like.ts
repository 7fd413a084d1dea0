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

const twice = 'it occurs twice in one object (parsers differ on which value they keep)';

/** Past this many keys an object's keys are kept in a set. */
const smallObject = 16;

/** The end (index after the closing quote) of the JSON string that starts at `start`. */
function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote !== -1) {
    // Escaped when an odd number of backslashes comes before it.
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/**
 * The first key of a valid JSON text that upstreams may read differently, or `undefined`: a key
 * that occurs twice in one object, or a `__proto__` key (`JSON.parse` keeps it an own key; a
 * JavaScript upstream that copies the object with `Object.assign` reads it as the prototype, so
 * `{"__proto__":{"prompt":"..."}}` has a `prompt`). Keys are compared decoded (`"pro\u006dpt"`
 * is `prompt`). One pass over character codes.
 */
export function ambiguousKey(text: string): { key: string; reason: string } | undefined {
  /**
   * Per open container: the keys seen so far (an object; a list while small, a set past
   * `smallObject` keys, so a 50,000-key object costs no quadratic search) or `undefined` (a list).
   */
  const stack: (string[] | Set<string> | undefined)[] = [];
  let top: string[] | Set<string> | undefined;
  let expectKey = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 34) {
      const end = stringEnd(text, index);
      if (expectKey && top) {
        const raw = text.slice(index + 1, end - 1);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(index, end)) as string) : raw;
        if (key === '__proto__') return { key, reason: 'JavaScript parsers may read it as the prototype' };
        if (Array.isArray(top)) {
          if (top.includes(key)) return { key, reason: twice };
          top.push(key);
          if (top.length > smallObject) {
            top = new Set(top);
            stack[stack.length - 1] = top;
          }
        } else {
          if (top.has(key)) return { key, reason: twice };
          top.add(key);
        }
        expectKey = false;
      }
      index = end - 1;
    } else if (code === 123) {
      top = [];
      stack.push(top);
      expectKey = true;
    } else if (code === 91) {
      top = undefined;
      stack.push(top);
      expectKey = false;
    } else if (code === 125 || code === 93) {
      stack.pop();
      top = stack[stack.length - 1];
      expectKey = false;
    } else if (code === 44) expectKey = top !== undefined;
  }
  return undefined;
}

export interface JsonLikeOptions {
  /**
   * Fail on a key upstreams may read differently ({@link ambiguousKey}): one held twice by an
   * object (`{"prompt":"a","prompt":"b"}`: `JSON.parse` keeps the last value, other parsers the
   * first), or `__proto__`. The text judged could otherwise differ from the text an upstream
   * reads. Defaults to `false`.
   */
  refuseAmbiguousKeys?: boolean;
}

/**
 * Parses JSON as Python's `json` module does for what matters here: `NaN`, `Infinity` and
 * `-Infinity` are accepted (read as `null`: only the text is judged). Never throws.
 * @example
 * parseJsonLike('{"n": NaN, "prompt": "hi"}'); // { ok: true, value: { n: null, prompt: 'hi' } }
 */
/**
 * A JSON reading, or why there is none. `ambiguous`: the text is JSON, but parsers disagree on
 * what it holds (a key given twice): it must not be read as anything else (plain text) instead.
 */
export type JsonLikeResult =
  | { ok: true; value: unknown }
  | { ok: false; reason: string; ambiguous?: true | undefined };

export function parseJsonLike(text: string, options: JsonLikeOptions = {}): JsonLikeResult {
  const checked = (value: unknown, source: string): JsonLikeResult => {
    if (!options.refuseAmbiguousKeys || typeof value !== 'object' || value === null)
      return { ok: true, value };
    const found = ambiguousKey(source);
    return found === undefined
      ? { ok: true, value }
      : { ok: false, ambiguous: true, reason: `the key '${found.key}': ${found.reason}` };
  };
  try {
    return checked(JSON.parse(text), text);
  } catch (error) {
    const tolerant = withoutPythonConstants(text);
    if (tolerant !== undefined) {
      try {
        return checked(JSON.parse(tolerant), tolerant);
      } catch {
        // fall through to the first error
      }
    }
    return { ok: false, reason: (error as Error).message };
  }
}
