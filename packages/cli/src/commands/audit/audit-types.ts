import type { JudgedRole, Truncation } from '@vigil/guard-core';

/** The verdict on one checked turn: one row of every report. */
export interface AuditResult {
  /** The transcript file (as given), or `-` for stdin. */
  file: string;
  /** 1-based line where the conversation starts. */
  line: number;
  /** The conversation's `id` field, or `null`. */
  id: string | null;
  /**
   * 0-based index of the judged message in the conversation's messages, system and tool
   * messages included (the last message of a run of same-role messages).
   */
  turn: number;
  role: JudgedRole;
  safe: boolean;
  /** Codes of the categories named, e.g. `['S9']`. */
  categories: string[];
  /** Codes the model named that the policy leaves out (why a turn can be safe at P(unsafe) 1.00). */
  ignoredCategories: string[];
  unsafeProbability: number | null;
  /**
   * Set when the conversation was longer than the longest context and was cut to be judged:
   * oldest turns dropped, or the judged turn judged in windows (see `Verdict.truncated`). In
   * JSON and JSONL only.
   */
  truncated?: Truncation | undefined;
  /** A short excerpt of the judged turn, for people (table, HTML, SARIF); not in machine formats. */
  excerpt?: string | undefined;
}

/**
 * A record or turn that could not be checked: in every report, counted in `summary.errors`,
 * and an exit code of 2 (beyond `--max-errors`).
 */
export interface AuditProblem {
  /** The transcript file (as given), or `-` for stdin. */
  file: string;
  /** 1-based line of the record (or where reading failed). */
  line: number;
  /** The conversation's `id` field, or `null` (unknown or unreadable). */
  id: string | null;
  /** The turn that could not be judged, or `null` when the record could not be read. */
  turn: number | null;
  /** What went wrong, e.g. `malformed JSON: ...`. */
  reason: string;
}

export interface AuditSummary {
  /** Files (and stdin) read. */
  files: number;
  conversations: number;
  turnsChecked: number;
  flagged: number;
  /** Flagged turns per category code. */
  byCategory: Record<string, number>;
  /** Records and turns that could not be checked (listed in the report's errors). */
  errors: number;
  /** True when the run was stopped (a signal, a fatal error) before the end: the report is partial. */
  interrupted: boolean;
}

/** The fields of a result in the machine-readable reports, in order. */
export const resultFields = [
  'file',
  'line',
  'id',
  'turn',
  'role',
  'safe',
  'categories',
  'ignoredCategories',
  'unsafeProbability',
] as const;

/** The fields of an error in the machine-readable reports, in order. */
export const problemFields = ['file', 'line', 'id', 'turn', 'reason'] as const;

/** A result without the people-only fields (for JSON, JSONL and CSV). */
export function resultRecord(result: AuditResult) {
  const { file, line, id, turn, role, safe, categories, ignoredCategories, unsafeProbability, truncated } =
    result;
  const record = { file, line, id, turn, role, safe, categories, ignoredCategories, unsafeProbability };
  return truncated ? { ...record, truncated } : record;
}

/** An error as the machine-readable reports carry it. */
export function problemRecord(problem: AuditProblem) {
  const { file, line, id, turn, reason } = problem;
  return { file, line, id, turn, reason };
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
