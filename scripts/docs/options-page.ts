// The options reference page: one table per public option type, written from the zod shapes'
// doc comments as the built `.d.ts` carries them (readOptionTypes), so it cannot drift.
import type { OptionDoc, OptionType } from './option-types.js';

/** The sentence "Defaults to X." of a doc comment (X may hold dots inside code spans). */
const defaultSentence = /\s*Defaults to ((?:`[^`]*`|[^`])*?)\.(?=\s|$)/;

/** Splits a key's doc comment into its default and the rest. */
export function splitDefault(doc: string): { default: string; meaning: string } {
  const match = defaultSentence.exec(doc);
  if (!match) return { default: /^Required/.test(doc) ? 'required' : '', meaning: doc };
  return {
    default: match[1] ?? '',
    meaning: (doc.slice(0, match.index) + doc.slice(match.index + match[0].length)).trim(),
  };
}

/** Markdown table cell text: one line, pipes escaped, `<` escaped outside code spans (not HTML). */
function cell(text: string) {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') ? part : part.replace(/</g, '&lt;')))
    .join('');
}

function code(text: string) {
  return `\`${text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'")}\``;
}

function row(option: OptionDoc) {
  const { default: byDefault, meaning } = splitDefault(option.doc);
  const name = option.optional ? code(option.name) : `${code(option.name)} (required)`;
  return `| ${name}<br>${code(option.type)} | ${cell(byDefault) || '-'} | ${cell(meaning)} |`;
}

function table(type: OptionType) {
  return [
    `## ${type.name}`,
    '',
    `From \`@vigil/${type.package}\`. ${cell(type.doc)}`,
    '',
    '| option and type | default | meaning |',
    '| --- | --- | --- |',
    ...type.options.map(row),
    '',
  ].join('\n');
}

/** The whole page, as Markdown for VitePress. */
export function optionsPage(types: OptionType[]) {
  return [
    '# Options',
    '',
    'Every option of the public factories and calls, generated from the doc comments of their zod',
    'shapes as the published `.d.ts` files carry them (`npm run docs` writes this page; do not edit',
    'it). Options are validated once, at the call, by the same schemas: a wrong value is a',
    '`VigilConfigError` naming the option.',
    '',
    '::: v-pre',
    '',
    ...types.map(table),
    ':::',
    '',
  ].join('\n');
}
