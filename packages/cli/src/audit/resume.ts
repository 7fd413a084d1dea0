import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { VigilInputError } from '@vigil/guard-core';
import { z } from 'zod';
import { readLines } from '../transcripts/read-lines.js';
import { type AuditSummary, countResult, emptySummary } from './audit-types.js';

/** Identifies a checked turn across runs. */
export function resultKey(file: string, line: number, turn: number) {
  return `${file}\n${line}\n${turn}`;
}

const resultLineSchema = z.looseObject({
  file: z.string(),
  line: z.number().int(),
  turn: z.number().int(),
  safe: z.boolean(),
  categories: z.array(z.string()),
});

/** What an earlier `jsonl` report holds: the turns it checked, counted. */
export interface ResumeState {
  done: Set<string>;
  summary: AuditSummary;
}

/**
 * Reads an earlier `jsonl` report so an audit can go on where it stopped. A last line cut off by
 * a crash is removed from the file (that turn is checked again). A missing file is a fresh start.
 * @throws VigilInputError for a line in the middle that is not a result (file:line).
 */
export async function loadResume(file: string): Promise<ResumeState> {
  const state: ResumeState = { done: new Set(), summary: emptySummary() };
  const info = await stat(file).catch(() => undefined);
  if (!info) return state;
  await dropPartialLastLine(file, info.size);
  for await (const { text, line } of readLines(createReadStream(file))) {
    if (text.trim() === '') continue;
    let parsed: z.infer<typeof resultLineSchema>;
    try {
      parsed = resultLineSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new VigilInputError(
        `${file}:${line}: --resume expected a result line of an earlier --format jsonl report, received ${JSON.stringify(text.slice(0, 40))} (${(error as Error).message.split('\n')[0]})`,
      );
    }
    const key = resultKey(parsed.file, parsed.line, parsed.turn);
    if (state.done.has(key)) continue;
    state.done.add(key);
    countResult(state.summary, parsed);
  }
  return state;
}

async function dropPartialLastLine(file: string, size: number) {
  if (size === 0) return;
  const handle = await open(file, 'r');
  try {
    const tailSize = Math.min(size, 1 << 20);
    const tail = Buffer.alloc(tailSize);
    await handle.read(tail, 0, tailSize, size - tailSize);
    if (tail[tailSize - 1] === 0x0a) return;
    const lastNewline = tail.lastIndexOf(0x0a);
    await handle.close();
    await truncate(
      file,
      lastNewline === -1 ? (size > tailSize ? size : 0) : size - tailSize + lastNewline + 1,
    );
  } finally {
    await handle.close().catch(() => undefined);
  }
}
