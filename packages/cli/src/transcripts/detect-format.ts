import path from 'node:path';
import type { InputFormat } from './transcript-types.js';

/** The container a file's records come in. */
export type Container = 'jsonl' | 'json' | 'txt';

/** What detection decided: a container, or why the format is unknown. */
export type Detected = { container: Container } | { problem: string };

function isMessage(value: unknown) {
  return typeof value === 'object' && value !== null && 'role' in value;
}

/**
 * Decides how to read a file from its extension and its first non-empty line. `.txt` is text;
 * `.jsonl`/`.ndjson` JSON Lines; otherwise a first line that is a whole JSON object or message
 * array means JSON Lines, and JSON that continues past the first line means one JSON document
 * (an array of conversations, or one conversation). Standard input that is not JSON is text.
 */
export function detectFormat(file: string, firstLine: string | undefined, requested: InputFormat): Detected {
  if (requested === 'txt' || requested === 'jsonl' || requested === 'json') return { container: requested };
  const extension = path.extname(file).toLowerCase();
  if (requested === 'auto' && extension === '.txt') return { container: 'txt' };
  if (extension === '.jsonl' || extension === '.ndjson') return { container: 'jsonl' };
  const trimmed = firstLine?.trim() ?? '';
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (!Array.isArray(value) || value.length === 0 || isMessage(value[0])) return { container: 'jsonl' };
      return { container: 'json' };
    } catch {
      return { container: 'json' };
    }
  }
  if (firstLine === undefined) return { container: 'jsonl' };
  if (file === '-' && requested === 'auto') return { container: 'txt' };
  return {
    problem: `unknown format: expected JSON Lines, a JSON array, ShareGPT or a .txt file (or --input-format), received a file starting with ${JSON.stringify(trimmed.slice(0, 20))}`,
  };
}
