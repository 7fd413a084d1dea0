const unsafeWords = new Set(['unsafe', '1', 'true', 'yes', 'harmful', 'toxic', 'flagged']);
const safeWords = new Set(['safe', '0', 'false', 'no', 'unharmful', 'benign', 'non-toxic']);

/** A label value that is none of the recognised spellings. */
export class LabelError extends Error {}

/**
 * Reads a label: `safe`/`unsafe`, `0`/`1`, `true`/`false` (strings, numbers or booleans, any
 * case, trimmed; also yes/no, harmful/unharmful). With `unsafeValues`, exactly those values are
 * unsafe and every other value safe. Missing, `null` or empty: `null` (unlabelled).
 * @throws LabelError for a value it does not recognise.
 */
export function parseLabel(value: unknown, unsafeValues?: readonly string[]): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object')
    throw new LabelError(
      `expected a label value, received ${Array.isArray(value) ? 'an array' : 'an object'}`,
    );
  const text = String(value).trim();
  if (text === '') return null;
  if (unsafeValues) return unsafeValues.includes(text);
  const lower = text.toLowerCase();
  if (unsafeWords.has(lower)) return true;
  if (safeWords.has(lower)) return false;
  throw new LabelError(
    `expected safe/unsafe, 0/1 or true/false (or name the unsafe value with --unsafe-value), received ${JSON.stringify(text.slice(0, 40))}`,
  );
}

/** Category labels: a list, a comma-separated string, or an object whose true keys are the categories. */
export function parseCategories(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((item) => String(item).trim()).filter(Boolean);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, on]) => on === true || on === 1 || on === '1' || on === 'true')
      .map(([name]) => name);
  }
  return String(value)
    .split(/[,;|]/)
    .map((item) => item.trim())
    .filter(Boolean);
}
