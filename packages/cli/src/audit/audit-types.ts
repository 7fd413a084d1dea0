import type { JudgedRole } from '@vigil/guard-core';

/** The verdict on one checked turn: one row of every report. */
export interface AuditResult {
  /** The transcript file (as given), or `-` for stdin. */
  file: string;
  /** 1-based line where the conversation starts. */
  line: number;
  /** The conversation's `id` field, or `null`. */
  id: string | null;
  /** Index in the conversation's messages of the judged message. */
  turn: number;
  role: JudgedRole;
  safe: boolean;
  /** Codes of the categories named, e.g. `['S9']`. */
  categories: string[];
  unsafeProbability: number | null;
  /** A short excerpt of the judged turn, for people (table, HTML, SARIF); not in machine formats. */
  excerpt?: string | undefined;
}

/** A record or turn that could not be checked: reported with file:line and skipped. */
export interface AuditProblem {
  file: string;
  line: number;
  message: string;
}

export interface AuditSummary {
  /** Files (and stdin) read. */
  files: number;
  conversations: number;
  turnsChecked: number;
  flagged: number;
  /** Flagged turns per category code. */
  byCategory: Record<string, number>;
  /** Records and turns skipped as bad input. */
  errors: number;
  /** True when the run was stopped (Ctrl-C, a fatal error) before the end: the report is partial. */
  interrupted: boolean;
}

/** The fields every machine-readable report carries, in order. */
export const resultFields = [
  'file',
  'line',
  'id',
  'turn',
  'role',
  'safe',
  'categories',
  'unsafeProbability',
] as const;

/** A result without the people-only fields (for JSON, JSONL and CSV). */
export function resultRecord(result: AuditResult) {
  const { file, line, id, turn, role, safe, categories, unsafeProbability } = result;
  return { file, line, id, turn, role, safe, categories, unsafeProbability };
}

export function emptySummary(): AuditSummary {
  return {
    files: 0,
    conversations: 0,
    turnsChecked: 0,
    flagged: 0,
    byCategory: {},
    errors: 0,
    interrupted: false,
  };
}

/** Counts a result into a summary. */
export function countResult(summary: AuditSummary, result: Pick<AuditResult, 'safe' | 'categories'>) {
  summary.turnsChecked++;
  if (result.safe) return;
  summary.flagged++;
  for (const code of result.categories) summary.byCategory[code] = (summary.byCategory[code] ?? 0) + 1;
}
