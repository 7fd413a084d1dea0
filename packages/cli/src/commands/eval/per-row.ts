import { readFile, writeFile } from 'node:fs/promises';
import { VigilInputError } from '@vigil/guard-core';
import { z } from 'zod';
import type { EvalRowResult, EvalSkip } from './eval-types.js';

const rowSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  id: z.string().nullable(),
  side: z.number().int().min(0),
  label: z.boolean(),
  categories: z.array(z.string()),
  slices: z.record(z.string(), z.string()),
  unsafeProbability: z.number().nullable(),
  named: z.array(z.string()),
  flagged: z.boolean(),
  durationMs: z.number(),
  text: z.string().optional(),
});

const skipSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  kind: z.enum(['unlabelled', 'invalid', 'failed']),
  message: z.string(),
  side: z.number().int().min(0).optional(),
});

/** The lines of a `--per-row` file: measured rows, and rows not measured (with `kind`). */
export interface PerRowContent {
  rows: EvalRowResult[];
  skips: (EvalSkip & { side?: number | undefined })[];
}

/**
 * Reads a `--per-row` JSONL file (to resume a run, or to recompute its summary). A last line
 * cut off by a crash is dropped from the file. A missing file is empty.
 * @throws VigilInputError for a line that is neither a row nor a skip (file:line).
 */
export async function readPerRow(file: string, repair = false): Promise<PerRowContent> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new VigilInputError(`${file}: cannot read: ${error.code ?? error.message}`);
  });
  const content: PerRowContent = { rows: [], skips: [] };
  const lines = text.split('\n');
  const partial = lines.at(-1) !== '';
  if (partial && repair)
    await writeFile(
      file,
      lines
        .slice(0, -1)
        .map((line) => `${line}\n`)
        .join(''),
    );
  const complete = partial ? lines.slice(0, -1) : lines;
  complete.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    const isSkip = typeof value === 'object' && value !== null && 'kind' in value;
    const parsed = isSkip ? skipSchema.safeParse(value) : rowSchema.safeParse(value);
    if (!parsed.success) {
      throw new VigilInputError(
        `${file}:${index + 1}: expected a line of an earlier vigil eval --per-row file, received ${JSON.stringify(line.slice(0, 40))}`,
      );
    }
    if (isSkip) content.skips.push(parsed.data as EvalSkip);
    else content.rows.push(parsed.data as EvalRowResult);
  });
  return content;
}
