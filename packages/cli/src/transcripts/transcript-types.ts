import type { Message } from '@vigil/guard-core';

/** The shapes a transcript file can take. `auto` detects it per file. */
export const inputFormats = ['auto', 'jsonl', 'json', 'sharegpt', 'txt'] as const;
export type InputFormat = (typeof inputFormats)[number];

/** One conversation read from a transcript, with where it came from. */
export interface TranscriptConversation {
  kind: 'conversation';
  /** The path as given (or `-` for stdin). */
  file: string;
  /** 1-based line where the conversation starts. */
  line: number;
  /** The record's `id` field, when present. */
  id?: string | undefined;
  messages: Message[];
  /** Input bytes consumed since the previous item (for progress). */
  bytes?: number | undefined;
}

/** A record that could not be read: reported with file:line and skipped. */
export interface TranscriptProblem {
  kind: 'error';
  file: string;
  line: number;
  message: string;
  /** The record's `id` field, when it could be read. */
  id?: string | undefined;
  /** Input bytes consumed since the previous item (for progress). */
  bytes?: number | undefined;
}

export type TranscriptItem = TranscriptConversation | TranscriptProblem;

/** A source to read: a file path, or `-` for standard input. */
export interface TranscriptSource {
  /** The path as shown in reports. */
  file: string;
  /** The file's real path (symlinks and `..` resolved), or `-` for stdin: what identifies it. */
  realPath: string;
  /** Size in bytes, when known (for progress). */
  bytes?: number | undefined;
}

/** A symbolic link a directory walk or a glob met and did not follow (`--follow-symlinks` would). */
export interface SkippedLink {
  /** The link's path, as the walk found it. */
  file: string;
  /** Where it leads (its real path), as `--resume` identifies files. */
  realPath: string;
}
