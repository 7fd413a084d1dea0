import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { type NumberedLine, readLines } from '../../transcripts/read-lines.js';
import { splitJsonArray } from '../../transcripts/split-json-array.js';
import { csvRecords } from './csv-records.js';

/** One record of a dataset file: an object of fields, with the line it starts on. */
export type DatasetRecord =
  | { kind: 'record'; line: number; fields: Record<string, unknown> }
  | { kind: 'problem'; line: number; message: string };

export type DatasetContainer = 'jsonl' | 'json' | 'csv';

/** The container from the extension (a trailing `.gz` is unpacked first), else `undefined`. */
export function containerOf(file: string): DatasetContainer | undefined {
  const extension = path.extname(file.replace(/\.gz$/i, '')).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.json') return 'json';
  if (extension === '.csv') return 'csv';
  return undefined;
}

function openLines(file: string) {
  const stream = createReadStream(file);
  return readLines(/\.gz$/i.test(file) ? stream.pipe(createGunzip()) : stream);
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Reads a dataset file (JSON Lines, a JSON array or CSV with a header row; `.gz` unpacked) as a
 * stream of records. The container comes from the extension, else from the first line (`{` JSON
 * Lines, `[` a JSON array, anything else CSV). Bad records come out as problems with their line.
 */
export async function* readRecords(file: string): AsyncGenerator<DatasetRecord> {
  const lines = openLines(file);
  let container = containerOf(file);
  const buffered: NumberedLine[] = [];
  if (container === undefined) {
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      buffered.push(next.value);
      const trimmed = next.value.text.trim();
      if (trimmed === '') continue;
      container = trimmed.startsWith('{') ? 'jsonl' : trimmed.startsWith('[') ? 'json' : 'csv';
      break;
    }
  }
  async function* all() {
    yield* buffered;
    yield* lines;
  }
  if (container === 'csv') yield* csv(all());
  else if (container === 'json') yield* jsonDocument(all());
  else yield* jsonLines(all());
}

function parsed(text: string, line: number): DatasetRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'problem', line, message: `malformed JSON: ${(error as Error).message}` };
  }
  const fields = asObject(value);
  if (!fields) return { kind: 'problem', line, message: 'expected a JSON object with the dataset fields' };
  return { kind: 'record', line, fields };
}

async function* jsonLines(lines: AsyncIterable<NumberedLine>): AsyncGenerator<DatasetRecord> {
  for await (const { text, line } of lines) if (text.trim() !== '') yield parsed(text, line);
}

async function* jsonDocument(lines: AsyncIterable<NumberedLine>): AsyncGenerator<DatasetRecord> {
  for await (const element of splitJsonArray(lines)) {
    if ('problem' in element) yield { kind: 'problem', line: element.line, message: element.problem };
    else yield parsed(element.text, element.line);
  }
}

async function* csv(lines: AsyncIterable<NumberedLine>): AsyncGenerator<DatasetRecord> {
  let header: string[] | undefined;
  for await (const record of csvRecords(lines)) {
    if ('problem' in record) {
      yield { kind: 'problem', line: record.line, message: record.problem };
      continue;
    }
    if (!header) {
      header = record.fields.map((name) => name.trim());
      continue;
    }
    if (record.fields.length !== header.length) {
      yield {
        kind: 'problem',
        line: record.line,
        message: `expected ${header.length} CSV fields (the header's), received ${record.fields.length}`,
      };
      continue;
    }
    const fields: Record<string, unknown> = {};
    header.forEach((name, index) => {
      fields[name] = record.fields[index];
    });
    yield { kind: 'record', line: record.line, fields };
  }
}
