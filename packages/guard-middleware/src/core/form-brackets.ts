const SEGMENT = /\[([^[\]]*)\]/g;

/** An object whose keys are all array indexes (or `[]` appends) as a list, as qs gives it. */
function listed(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, listed(item)] as const);
  if (entries.length > 0 && entries.every(([key]) => /^\d+$/.test(key) || key === ''))
    return entries.map(([, item]) => item);
  return Object.fromEntries(entries);
}

/**
 * Form fields as qs (Express 4's `urlencoded()`, multer) nests them: `messages[0][content]=x`
 * becomes `{ messages: [{ content: 'x' }] }`, `prompt[]=x` becomes `{ prompt: ['x'] }` (a name
 * repeated there, a list). `undefined` when no name has brackets (the flat reading is the whole
 * story). A second reading for the check: an upstream may read either.
 * @example
 * nestBrackets([['messages[0][role]', 'user'], ['messages[0][content]', 'hi']]);
 * // { messages: [{ role: 'user', content: 'hi' }] }
 */
export function nestBrackets(pairs: ReadonlyArray<readonly [string, unknown]>): unknown {
  if (!pairs.some(([name]) => name.includes('['))) return undefined;
  const root: Record<string, unknown> = Object.create(null);
  for (const [name, value] of pairs) {
    const open = name.indexOf('[');
    const path =
      open > 0
        ? [name.slice(0, open), ...[...name.slice(open).matchAll(SEGMENT)].map((m) => m[1] ?? '')]
        : [name];
    let node = root;
    path.forEach((key, index) => {
      const last = index === path.length - 1;
      const slot = key === '' ? String(Object.keys(node).length) : key;
      if (last) {
        const held = node[slot];
        node[slot] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
      } else {
        const next = node[slot];
        node[slot] =
          typeof next === 'object' && next !== null && !Array.isArray(next) ? next : Object.create(null);
        node = node[slot] as Record<string, unknown>;
      }
    });
  }
  return listed(root);
}
