import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTranscript } from './read-transcript.js';
import type { InputFormat, TranscriptItem } from './transcript-types.js';

const examples = path.resolve(import.meta.dirname, '../../../../examples/transcripts');

async function read(file: string, format?: InputFormat) {
  const items: TranscriptItem[] = [];
  for await (const item of readTranscript(path.join(examples, file), { format })) items.push(item);
  return items;
}

function summary(items: TranscriptItem[]) {
  return items.map((item) =>
    item.kind === 'error'
      ? `${item.line} error: ${item.message}`
      : `${item.line} ${item.id ?? '-'} ${item.messages.map((message) => message.role[0]).join('')}`,
  );
}

async function fromText(text: string, file = '-', format?: InputFormat) {
  const items: TranscriptItem[] = [];
  for await (const item of readTranscript(file, { input: [Buffer.from(text)] as never, format })) {
    items.push(item);
  }
  return summary(items);
}

describe('readTranscript', () => {
  it('reads every example format with lines and ids', async () => {
    expect(summary(await read('chat.jsonl'))).toEqual([
      '1 c1 ua',
      '2 c2 uau',
      '3 c3 sua',
      '4 c4 ua',
      '5 c5 uau',
    ]);
    expect(summary(await read('bare.jsonl'))).toEqual(['1 - u', '2 - u', '3 - ua']);
    expect(summary(await read('chats.json'))).toEqual(['2 101 ua', '12 102 uau', '20 103 u']);
    expect(summary(await read('sharegpt.json'))).toEqual(['2 sg-1 sua', '10 sg-2 ua', '17 sg-3 ua']);
    expect(summary(await read('prompts.txt'))).toEqual(['1 - u', '2 - u', '3 - u', '5 - u', '6 - u']);
  });

  it('reports malformed lines, bad shapes and empty conversations with their line, and goes on', async () => {
    expect(summary(await read('malformed.jsonl'))).toMatchInlineSnapshot(`
      [
        "1 m1 u",
        "2 error: malformed JSON: Unterminated string in JSON at position 67",
        "3 error: messages[0].role: expected string, received undefined",
        "4 error: empty conversation: expected at least one user or assistant turn with text, received 1 message(s)",
        "5 error: expected { "messages": [...] }, a message array or { "conversations": [...] }, received an object with keys id, text",
        "6 m6 u",
      ]
    `);
  });

  it('checks the shape asked for with --input-format', async () => {
    expect(summary(await read('chats.json', 'sharegpt'))[0]).toMatch(/^2 error: expected a ShareGPT record/);
    expect(await fromText('hello\nworld\n', 'notes.md', 'txt')).toEqual(['1 - u', '2 - u']);
  });

  it('detects content without a telling extension', async () => {
    expect(await fromText('\n{"messages": [{"role": "user", "content": "x"}]}\n')).toEqual(['2 - u']);
    expect(await fromText('[\n[{"role": "user", "content": "x"}]\n]')).toEqual(['2 - u']);
    expect(
      await fromText('[{"role": "user", "content": "x"},\n{"role": "assistant", "content": "y"}]', 'a.json'),
    ).toEqual(['1 - ua']);
    expect(await fromText('plain text\n')).toEqual(['1 - u']);
    expect(await fromText('# notes\n', 'notes.md')).toMatchInlineSnapshot(`
      [
        "1 error: unknown format: expected JSON Lines, a JSON array, ShareGPT or a .txt file (or --input-format), received a file starting with "# notes"",
      ]
    `);
  });

  it('reads an array mixing conversations and stray messages element by element', async () => {
    const text = [
      '[',
      '{"id": "a", "messages": [{"role": "user", "content": "x"}]},',
      '{"role": "user", "content": "stray"},',
      '{"id": "b", "messages": [{"role": "user", "content": "bomb"}]}',
      ']',
    ].join('\n');
    expect(await fromText(text, 'a.json')).toMatchInlineSnapshot(`
      [
        "2 a u",
        "3 error: stray message: expected a conversation ({ "messages": [...] }, a message array or ShareGPT) in an array of conversations, received a single message",
        "4 b u",
      ]
    `);
    const leading =
      '[{"role": "user", "content": "x"},\n{"id": "b", "messages": [{"role": "user", "content": "y"}]}]';
    expect(await fromText(leading, 'a.json')).toMatchInlineSnapshot(`
      [
        "1 error: stray message: expected a conversation ({ "messages": [...] }, a message array or ShareGPT) in an array of conversations, received a single message",
        "2 b u",
      ]
    `);
  });

  it('reads CR-only line ends, and reports binary and empty files once', async () => {
    expect(await fromText('one\rtwo\rthree\r', 'a.txt')).toEqual(['1 - u', '2 - u', '3 - u']);
    expect(
      await fromText(
        '{"messages":[{"role":"user","content":"x"}]}\r{"messages":[{"role":"user","content":"y"}]}',
        'a.jsonl',
      ),
    ).toEqual(['1 - u', '2 - u']);
    expect(await fromText('\u0000\u0001\u00ff binary\nmore', 'a.jsonl')).toMatchInlineSnapshot(`
      [
        "1 error: binary file: expected UTF-8 text (JSON Lines, JSON or one message per line), received bytes that are not text",
      ]
    `);
    expect(await fromText('', 'a.jsonl')).toMatchInlineSnapshot(`
      [
        "1 error: no conversations: expected at least one, received an empty file",
      ]
    `);
  });
});
