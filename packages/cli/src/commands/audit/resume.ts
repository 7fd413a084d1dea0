import { createReadStream } from 'node:fs';
import { open, realpath, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { VigilInputError } from '@vigil/guard-core';
import { z } from 'zod';
import { readLines } from '../../transcripts/read-lines.js';
import { type AuditSummary, countResult, emptySummary } from './audit-types.js';

/** Identifies a checked turn (or, with turn `-1`, an unreadable record) across runs, by the file's real path. */
export function resultKey(realPath: string, line: number, turn: number) {
  return `${realPath}\n${line}\n${turn}`;
}

const resultLineSchema = z.looseObject({
  kind: z.literal('result').optional(),
  file: z.string(),
  line: z.number().int(),
  turn: z.number().int(),
  safe: z.boolean(),
  categories: z.array(z.string()),
});
const errorLineSchema = z.looseObject({
  kind: z.literal('error'),
  file: z.string(),
  line: z.number().int(),
  turn: z.number().int().nullable(),
  reason: z.string(),
});
const reportLineSchema = z.union([errorLineSchema, resultLineSchema]);

/** What an earlier `jsonl` report holds: the turns and errors it reported, counted. */
export interface ResumeState {
  done: Set<string>;
  summary: AuditSummary;
  /** Results and errors the report holds (after a cut-off last line is dropped). */
  reported: number;
}

async function realPathOf(file: string) {
  if (file === '-') return '-';
  return realpath(file).catch(() => path.resolve(file));
}

/**
 * Reads an earlier `jsonl` report so an audit can go on where it stopped. Every line is checked
 * to be a Vigil result or error line before anything is written; only then is a last line cut
 * off by a crash removed (that turn is checked again). A missing or empty file is a fresh start.
 * @throws VigilInputError, leaving the file untouched, when a line is not a result or error line.
 */
export async function loadResume(file: string): Promise<ResumeState> {
  const state: ResumeState = { done: new Set(), summary: emptySummary(), reported: 0 };
  const info = await stat(file).catch(() => undefined);
  if (!info) return state;
  if (!info.isFile())
    throw new VigilInputError(`--resume: expected '${file}' to be a report file, received something else`);
  const realPaths = new Map<string, string>();
  let cutAt: number | undefined;
  let offset = 0;
  for await (const { text, line, bytes } of readLines(createReadStream(file))) {
    const start = offset;
    offset += bytes;
    if (text.trim() === '') continue;
    let parsed: z.infer<typeof reportLineSchema>;
    try {
      parsed = reportLineSchema.parse(JSON.parse(text));
    } catch (error) {
      // Only the very last line, with no line break after it, may be a write cut short.
      if (offset === info.size && isCutReportLine(text)) {
        cutAt = start;
        break;
      }
      const preview = JSON.stringify(text.slice(0, 40)).replace(/[\u007f-\u009f\u2028\u2029\ufffd]/g, '?');
      throw new VigilInputError(
        `--resume: expected '${file}' to be an earlier --format jsonl report of vigil audit, received at line ${line} ${preview} (${(error as Error).message.split('\n')[0]}); the file was not changed`,
      );
    }
    let realPath = realPaths.get(parsed.file);
    if (realPath === undefined) {
      realPath = await realPathOf(parsed.file);
      realPaths.set(parsed.file, realPath);
    }
    const key = resultKey(realPath, parsed.line, parsed.turn ?? -1);
    if (state.done.has(key)) continue;
    state.done.add(key);
    state.reported++;
    if (parsed.kind === 'error') state.summary.errors++;
    else countResult(state.summary, parsed);
  }
  if (cutAt !== undefined) await truncate(file, cutAt);
  else if (info.size > 0 && !(await endsWithNewline(file, info.size))) {
    // A whole last line without its line break: add it, so the next line starts fresh.
    const handle = await open(file, 'a');
    await handle.write('\n').finally(() => handle.close());
  }
  return state;
}

/** The start of a report line (`{"kind":"...`, or `{"file":"...` of reports before errors were listed). */
function isCutReportLine(text: string) {
  return ['{"kind":"', '{"file":"'].some((start) => text.startsWith(start) || start.startsWith(text));
}

async function endsWithNewline(file: string, size: number) {
  const handle = await open(file, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a || last[0] === 0x0d;
  } finally {
    await handle.close();
  }
}
