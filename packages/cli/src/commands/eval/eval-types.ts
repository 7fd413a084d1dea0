import type { JudgedRole, Message } from '@vigil/guard-core';
import type { Confusion, OperatingPoint, Rates } from './metrics.js';

/** One labelled example read from a dataset. */
export interface EvalExample {
  /** The dataset file, as given. */
  file: string;
  /** 1-based line where the record starts. */
  line: number;
  /** The record's id, or `null`. */
  id: string | null;
  /** The conversation; its last turn of `role` is judged. */
  messages: Message[];
  /** The role judged. Defaults to the last message's. */
  role?: JudgedRole | undefined;
  /** `true` unsafe, `false` safe, `null` unlabelled (counted, listed, not classified). */
  label: boolean | null;
  /** The dataset's own category labels (e.g. `H`, `violence`). */
  categories: string[];
  /** Slice name to value, e.g. `{ type: 'homonyms', language: 'en' }`. */
  slices: Record<string, string>;
}

/** The outcome of one row: a line of `--per-row out.jsonl`. */
export interface EvalRowResult {
  file: string;
  line: number;
  id: string | null;
  /** Which compared configuration (`--model`/`--policy`/engine) produced it; `0` when not comparing. */
  side: number;
  label: boolean;
  categories: string[];
  slices: Record<string, string>;
  /** P(unsafe); `null` from a remote engine without logprobs. */
  unsafeProbability: number | null;
  /** Every code the model named (in and out of the policy). */
  named: string[];
  /** The verdict at the policy's thresholds (the rule of `buildVerdict`). */
  flagged: boolean;
  durationMs: number;
  /** The judged text, only with `--show-text`. */
  text?: string | undefined;
}

/** A row that was read but not measured: unlabelled, unreadable, or failed to classify. */
export interface EvalSkip {
  file: string;
  line: number;
  kind: 'unlabelled' | 'invalid' | 'failed';
  message: string;
}

/** The figures of one slice (or of the whole set). */
export interface SliceMetrics extends Rates {
  rows: number;
  unsafe: number;
  confusion: Confusion;
  rocAuc: number | null;
  /** PR AUC as average precision. */
  prAuc: number | null;
  /** Rows without a probability (not on the curves). */
  unscored: number;
}

/** How the model did on the unsafe rows labelled with one dataset category. */
export interface CategoryMetrics {
  /** The S-codes the category maps to (empty: no Llama Guard equivalent). */
  codes: string[];
  /** Unsafe rows labelled with it. */
  rows: number;
  /** Of them, flagged. */
  flagged: number;
  recall: number | null;
  /** Flagged rows where the model named one of `codes`. */
  namedMatching: number;
  /** namedMatching / flagged. */
  matchRate: number | null;
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Rows classified per second of wall time (`null` without a wall time). */
  perSecond: number | null;
}

/** The report of one configuration on one dataset. */
export interface EvalSummary {
  /** What was evaluated: model, policy thresholds, engine. */
  label: string;
  threshold: number;
  thresholds: Record<string, number>;
  overall: SliceMetrics;
  bestF1: OperatingPoint | null;
  /** The threshold meeting `--target-fpr` (when given). */
  targetFpr: { target: number; point: OperatingPoint | null } | null;
  /** Slice name -> value -> figures. */
  slices: Record<string, Record<string, SliceMetrics>>;
  /** Dataset category -> figures. */
  categories: Record<string, CategoryMetrics>;
  latency: LatencySummary;
  /** Rows measured, and rows read but not measured (by kind). */
  counts: { read: number; measured: number; unlabelled: number; invalid: number; failed: number };
  interrupted: boolean;
}
