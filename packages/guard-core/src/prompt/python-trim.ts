import type { Template } from '@huggingface/jinja';
import { pythonStrip } from '../conversation/python-strip.js';

/** The template global that stands in for jinja2's `trim` filter and `str.strip()`. */
export const pythonStripGlobal = '__vigil_python_strip';

type Node = { type?: unknown; [key: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

const stripCall = (operand: unknown): Node => ({
  type: 'CallExpression',
  callee: { type: 'Identifier', value: pythonStripGlobal },
  args: [operand],
});

/** `x | trim` and `x.strip()` (no arguments) become `__vigil_python_strip(x)`. */
function rewrite(node: Node): Node {
  if (
    node.type === 'FilterExpression' &&
    isNode(node.filter) &&
    node.filter.type === 'Identifier' &&
    node.filter.value === 'trim'
  ) {
    return stripCall(node.operand);
  }
  if (
    node.type === 'CallExpression' &&
    Array.isArray(node.args) &&
    node.args.length === 0 &&
    isNode(node.callee) &&
    node.callee.type === 'MemberExpression' &&
    node.callee.computed === false &&
    isNode(node.callee.property) &&
    node.callee.property.value === 'strip'
  ) {
    return stripCall(node.callee.object);
  }
  return node;
}

function walk(node: Node, seen: Set<Node>) {
  if (seen.has(node)) return;
  seen.add(node);
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (!isNode(item)) return;
        const replaced = rewrite(item);
        value[index] = replaced;
        walk(replaced, seen);
      });
    } else if (isNode(value)) {
      const replaced = rewrite(value);
      node[key] = replaced;
      walk(replaced, seen);
    }
  }
}

/**
 * Makes a parsed template strip text as jinja2 does. `@huggingface/jinja` runs `| trim` and
 * `.strip()` as JavaScript's `trim()`, which removes U+FEFF and keeps U+001C-U+001F and U+0085;
 * transformers renders Meta's template with jinja2, whose trim is Python's `str.strip()`. The
 * parsed tree is rewritten in place to call {@link pythonStripGlobal}, which `render` must be
 * given (see {@link pythonTrimGlobals}). For ordinary text both strips agree, so the output is
 * unchanged.
 */
export function usePythonTrim(template: Template): Template {
  walk(template.parsed as unknown as Node, new Set());
  return template;
}

/** The globals a template rewritten by {@link usePythonTrim} needs. */
export const pythonTrimGlobals = {
  [pythonStripGlobal]: (value: unknown) =>
    typeof value === 'string' ? pythonStrip(value) : value === undefined || value === null ? '' : value,
};
