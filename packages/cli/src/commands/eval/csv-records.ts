import type { NumberedLine } from '../../transcripts/read-lines.js';

/** One CSV record: its fields and the line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** A record the parser could not finish (an unclosed quote at the end of the file). */
export interface CsvProblem {
  problem: string;
  line: number;
}

/**
 * Parses CSV (RFC 4180: `,` separators, `"` quotes doubled inside quoted fields, which may span
 * lines) from numbered lines, one record at a time. A UTF-8 byte-order mark is dropped; blank
 * lines outside quotes are skipped.
 * @example
 * for await (const record of csvRecords(readLines(createReadStream('xstest.csv')))) console.log(record.fields);
 */
export async function* csvRecords(
  lines: AsyncIterable<Pick<NumberedLine, 'text' | 'line'>>,
): AsyncGenerator<CsvRecord | CsvProblem> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let start = 0;
  let first = true;
  for await (const { text: raw, line } of lines) {
    let text = raw;
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    if (!quoted) {
      if (text.trim() === '') continue;
      start = line;
    } else field += '\n';
    for (let index = 0; index < text.length; index++) {
      const char = text[index];
      if (quoted) {
        if (char !== '"') field += char;
        else if (text[index + 1] === '"') {
          field += '"';
          index++;
        } else quoted = false;
      } else if (char === '"' && field === '') quoted = true;
      else if (char === ',') {
        fields.push(field);
        field = '';
      } else field += char;
    }
    if (quoted) continue;
    fields.push(field);
    yield { fields, line: start };
    fields = [];
    field = '';
  }
  if (quoted) yield { problem: 'unexpected end of file: a quoted CSV field is not closed', line: start };
}
