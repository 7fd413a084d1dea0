import type { FlagDefinition, FlagTable } from './flag-table.js';

/** Where a flag's description starts: flags longer than this leave it for the next line. */
const column = 28;
/** The width descriptions are wrapped to. */
const width = 97;

/** Words wrapped to `width` columns, each line indented by `indent` spaces. */
export function wrap(words: readonly string[], indent: number, width = 96) {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((text) => `${' '.repeat(indent)}${text}`).join('\n');
}

/** A row of `--help` that is not one flag (`--model A --model B`). */
export interface HelpRow {
  readonly usage: string;
  readonly help: string;
  /** The flag it follows. Defaults to the end of the section's flags. */
  readonly after?: string | undefined;
}

/** One section of a help page: its title, its flags (those of the table with this `section`), then notes. */
export interface HelpSection {
  readonly id: string;
  readonly title: string;
  /** Rows listed after the section's flags. */
  readonly rows?: readonly HelpRow[] | undefined;
  /** Prose after the rows, indented by two spaces. */
  readonly notes?: string | undefined;
  /** Show each flag's environment variable in its description. Defaults to `false`. */
  readonly env?: boolean | undefined;
}

/** A command's `--help`: the usage and prose around sections generated from its flag table. */
export interface HelpPage {
  readonly usage: string;
  /** Paragraphs between the usage line and the sections. */
  readonly intro: string;
  readonly table: FlagTable;
  readonly sections: readonly HelpSection[];
  /** Sections of the table documented on another page (`eval` points to `classify --help`). Defaults to none. */
  readonly elsewhere?: readonly string[] | undefined;
  /** Paragraphs after the sections (exit codes, examples). */
  readonly outro: string;
}

function flagUsage(name: string, definition: FlagDefinition) {
  const flag = definition.short ? `-${definition.short}, --${name}` : `--${name}`;
  return definition.value ? `${flag} ${definition.value}` : flag;
}

/** A flag's description with its default and (when `env`) its variable filled in. */
export function flagDescription(definition: FlagDefinition, env: boolean) {
  const shownDefault = definition.defaultText ?? definition.default;
  let text = definition.help;
  if (shownDefault !== undefined) {
    // A value reads `default 0.5`; a description, `default: physical cores`.
    const said = `default${/\s/.test(String(shownDefault)) ? ':' : ''} ${shownDefault}`;
    text = text.includes('{default}') ? text.replace('{default}', said) : `${text} (${said})`;
  }
  if (definition.env !== undefined && env) {
    text = text.includes('{env}') ? text.replace('{env}', definition.env) : `${text} [${definition.env}]`;
  }
  return text;
}

/** One row: the usage padded to the description's column (or on a line of its own), the text wrapped beside it. */
export function helpRow(usage: string, description: string) {
  const lines = description.split('\n').map((line) => wrap(line.split(' '), column, width));
  const head = `  ${usage}`;
  const first = lines.join('\n');
  if (head.length < column - 1) return `${head.padEnd(column)}${first.slice(column)}`;
  return `${head}\n${first}`;
}

/** A section's title, flag rows, extra rows and notes. @throws Error for a section with nothing to list. */
export function renderSection(table: FlagTable, section: HelpSection) {
  const rows: string[] = [];
  const extra = (after: string | undefined) =>
    (section.rows ?? []).filter((row) => row.after === after).map((row) => helpRow(row.usage, row.help));
  for (const [name, definition] of Object.entries(table)) {
    if (definition.section !== section.id) continue;
    rows.push(helpRow(flagUsage(name, definition), flagDescription(definition, section.env === true)));
    rows.push(...extra(name));
  }
  rows.push(...extra(undefined));
  if (rows.length === 0) throw new Error(`help section '${section.id}' lists no flag`);
  return [section.title, ...rows, ...(section.notes ? [section.notes] : [])].join('\n');
}

/**
 * A command's `--help`, generated from its flag table: every flag is listed in its section, in
 * table order.
 * @throws Error (at load, so any test catches it) for a flag in no section of the page.
 */
export function renderHelp(page: HelpPage) {
  const ids = new Set([...page.sections.map((section) => section.id), ...(page.elsewhere ?? [])]);
  const missing = Object.entries(page.table).find(([, definition]) => !ids.has(definition.section));
  if (missing)
    throw new Error(`--${missing[0]}: its help section '${missing[1].section}' is not on the page`);
  const sections = page.sections.map((section) => renderSection(page.table, section));
  return `${[page.usage, page.intro, ...sections, page.outro].filter(Boolean).join('\n\n')}\n`;
}
