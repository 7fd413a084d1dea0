import { createReadStream } from 'node:fs';
import { detectFormat } from './detect-format.js';
import { malformedJson, parseRecord, parseRecordText } from './parse-record.js';
import { type NumberedLine, readLines } from './read-lines.js';
import { splitJsonArray } from './split-json-array.js';
import type { InputFormat, TranscriptItem } from './transcript-types.js';

export interface ReadTranscriptOptions {
  /** How to read the file. Defaults to `auto` (detected from the extension and first line). */
  format?: InputFormat | undefined;
  /** Read from this stream instead of opening `file` (stdin for `-`). Defaults to the file. */
  input?: AsyncIterable<string | Buffer> | undefined;
}

/**
 * Reads one transcript file as a stream of conversations, each with its file:line and `id`.
 * Bad records come out as problems (with file:line) and reading goes on; memory stays constant.
 * @example
 * for await (const item of readTranscript('logs/chats.jsonl')) {
 *   if (item.kind === 'conversation') console.log(item.line, item.messages.length);
 * }
 */
export async function* readTranscript(
  file: string,
  options: ReadTranscriptOptions = {},
): AsyncGenerator<TranscriptItem> {
  const requested = options.format ?? 'auto';
  const input = options.input ?? (file === '-' ? process.stdin : createReadStream(file));
  const lines = readLines(input);
  let first: NumberedLine | undefined;
  const skipped: NumberedLine[] = [];
  // Pull by hand: leaving a for-await loop early would close the generator.
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    if (next.value.text.trim() !== '') {
      first = next.value;
      break;
    }
    skipped.push(next.value);
  }
  if (first && isBinary(first.text)) {
    yield {
      kind: 'error',
      file,
      line: first.line,
      message:
        'binary file: expected UTF-8 text (JSON Lines, JSON or one message per line), received bytes that are not text',
    };
    return;
  }
  const detected = detectFormat(file, first?.text, requested);
  if ('problem' in detected) {
    yield { kind: 'error', file, line: first?.line ?? 1, message: detected.problem };
    return;
  }
  async function* all() {
    yield* skipped;
    if (first) yield first;
    yield* lines;
  }
  let consumed = 0;
  async function* counted() {
    for await (const line of all()) {
      consumed += line.bytes;
      yield line;
    }
  }
  const shareGptOnly = requested === 'sharegpt';
  const items =
    detected.container === 'txt'
      ? readText(file, counted())
      : detected.container === 'jsonl'
        ? readJsonLines(file, counted(), shareGptOnly)
        : readJsonDocument(file, counted(), shareGptOnly);
  let reported = 0;
  let conversations = 0;
  let problems = 0;
  for await (const item of items) {
    item.bytes = consumed - reported;
    reported = consumed;
    if (item.kind === 'conversation') conversations++;
    else problems++;
    yield item;
  }
  if (conversations === 0 && problems === 0) {
    yield {
      kind: 'error',
      file,
      line: 1,
      message: 'no conversations: expected at least one, received an empty file',
    };
  }
}

/** NUL bytes or invalid UTF-8 (decoded as U+FFFD) in the first line: not a transcript. */
function isBinary(text: string) {
  return text.includes('\u0000') || text.includes('\uFFFD');
}

async function* readText(file: string, lines: AsyncIterable<NumberedLine>): AsyncGenerator<TranscriptItem> {
  for await (const { text, line } of lines) {
    if (text.trim() === '') continue;
    yield { kind: 'conversation', file, line, messages: [{ role: 'user', content: text }] };
  }
}

async function* readJsonLines(
  file: string,
  lines: AsyncIterable<NumberedLine>,
  shareGptOnly: boolean,
): AsyncGenerator<TranscriptItem> {
  let first = true;
  for await (const { text, line } of lines) {
    if (text.trim() === '') continue;
    const record = parseRecordText(text, shareGptOnly);
    // A lone `{` or `[` opening the file: JSON spread over lines, not one record per line.
    const hint =
      first && /^[[{]$/.test(text.trim())
        ? '; the file looks like pretty-printed JSON: use --input-format json'
        : '';
    first = false;
    if ('problem' in record)
      yield { kind: 'error', file, line, id: record.id, message: `${record.problem}${hint}` };
    else yield { kind: 'conversation', file, line, id: record.id, messages: record.messages };
  }
}

async function* readJsonDocument(
  file: string,
  lines: AsyncIterable<NumberedLine>,
  shareGptOnly: boolean,
): AsyncGenerator<TranscriptItem> {
  // An array whose elements are all messages is one conversation (kept whole: one chat is
  // small). Messages are held while only messages have been seen; once another element shows
  // the array is a list of conversations, each held message is reported as a stray element.
  let held: { line: number; value: unknown }[] | undefined = [];
  const stray = (line: number): TranscriptItem => ({
    kind: 'error',
    file,
    line,
    message:
      'stray message: expected a conversation ({ "messages": [...] }, a message array or ShareGPT) in an array of conversations, received a single message',
  });
  for await (const element of splitJsonArray(lines)) {
    if ('problem' in element) {
      yield { kind: 'error', file, line: element.line, message: element.problem };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(element.text);
    } catch (error) {
      yield {
        kind: 'error',
        file,
        line: element.line,
        message: malformedJson(error),
      };
      continue;
    }
    const isMessage = typeof value === 'object' && value !== null && !Array.isArray(value) && 'role' in value;
    if (held && isMessage && !shareGptOnly) {
      held.push({ line: element.line, value });
      continue;
    }
    if (held) {
      for (const message of held) yield stray(message.line);
      held = undefined;
    }
    if (isMessage && !shareGptOnly) {
      yield stray(element.line);
      continue;
    }
    const record = parseRecord(value, shareGptOnly);
    if ('problem' in record)
      yield { kind: 'error', file, line: element.line, id: record.id, message: record.problem };
    else yield { kind: 'conversation', file, line: element.line, id: record.id, messages: record.messages };
  }
  const first = held?.[0];
  if (held && first) {
    const record = parseRecord(held.map((message) => message.value));
    if ('problem' in record)
      yield { kind: 'error', file, line: first.line, id: record.id, message: record.problem };
    else yield { kind: 'conversation', file, line: first.line, messages: record.messages };
  }
}
