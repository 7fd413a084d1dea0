import type { Guard, JudgedRole } from '@vigil/guard-core';
import { VigilAbortError, VigilInputError } from '@vigil/guard-core';
import { readTranscript } from '../transcripts/read-transcript.js';
import type { InputFormat, TranscriptItem, TranscriptSource } from '../transcripts/transcript-types.js';
import {
  type AuditProblem,
  type AuditResult,
  type AuditSummary,
  countResult,
  emptySummary,
} from './audit-types.js';
import { planChecks } from './plan-checks.js';
import { resultKey } from './resume.js';

/** Where a running audit is: read by the progress display. */
export interface AuditProgress {
  readonly summary: AuditSummary;
  /** Input bytes of the records done so far, and in all (`undefined` when stdin is among the sources). */
  bytesDone: number;
  bytesTotal: number | undefined;
}

export interface AuditOptions {
  /** The guard to classify with (its policy applies). */
  guard: Pick<Guard, 'classify'>;
  sources: readonly TranscriptSource[];
  /** Defaults to `auto` (detected per file). */
  inputFormat?: InputFormat | undefined;
  /** Check every user and assistant turn, not only the last. Defaults to `false`. */
  everyTurn?: boolean | undefined;
  /** Check only turns of this role. Defaults to both. */
  role?: JudgedRole | undefined;
  /** Conversations checked at once (match the guard's `concurrency`). Defaults to `4`. */
  concurrency?: number | undefined;
  /** Stops the audit: in-flight checks are cancelled and the summary says `interrupted`. */
  signal?: AbortSignal | undefined;
  /** Keys (see `resultKey`) of turns already checked (`--resume`): skipped. */
  done?: ReadonlySet<string> | undefined;
  /** A summary to continue counting into (from `--resume`). Defaults to an empty one. */
  summary?: AuditSummary | undefined;
  onResult?: ((result: AuditResult) => void) | undefined;
  onProblem?: ((problem: AuditProblem) => void) | undefined;
  /** Called after each record (often: throttle in the callee). */
  onProgress?: ((progress: AuditProgress) => void) | undefined;
}

/** The end of an audit: the summary, and the error that stopped it early, if any. */
export interface AuditOutcome {
  summary: AuditSummary;
  error?: unknown;
}

/**
 * Audits transcripts: reads each source as a stream, checks the last turn (or every turn) of each
 * conversation with the guard, several conversations at once, and reports each result as it
 * finishes. Bad records are reported and skipped; an engine failure stops the audit.
 * @example
 * const { summary } = await runAudit({ guard, sources: [{ file: 'chats.jsonl' }], onResult: console.log });
 */
export async function runAudit(options: AuditOptions): Promise<AuditOutcome> {
  const summary = options.summary ?? emptySummary();
  const sizes = options.sources.map((source) => source.bytes);
  const progress: AuditProgress = {
    summary,
    bytesDone: 0,
    bytesTotal: sizes.includes(undefined) ? undefined : sizes.reduce((a = 0, b = 0) => a + b, 0),
  };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  let fatal: unknown;
  const problem = (item: AuditProblem) => {
    summary.errors++;
    options.onProblem?.(item);
  };

  async function* items(): AsyncGenerator<TranscriptItem> {
    for (const source of options.sources) {
      if (stop.signal.aborted) return;
      summary.files++;
      yield* readTranscript(source.file, { format: options.inputFormat });
    }
  }

  async function check(item: Extract<TranscriptItem, { kind: 'conversation' }>) {
    summary.conversations++;
    for (const planned of planChecks(item.messages, options)) {
      if (stop.signal.aborted) return;
      if (options.done?.has(resultKey(item.file, item.line, planned.turn))) continue;
      try {
        const verdict = await options.guard.classify(planned.messages, { signal: stop.signal });
        const result: AuditResult = {
          file: item.file,
          line: item.line,
          id: item.id ?? null,
          turn: planned.turn,
          role: planned.role,
          safe: verdict.safe,
          categories: verdict.categories.map((category) => category.code),
          unsafeProbability: verdict.unsafeProbability,
          excerpt: planned.excerpt,
        };
        countResult(summary, result);
        options.onResult?.(result);
      } catch (error) {
        if (VigilAbortError.isInstance(error) && stop.signal.aborted) return;
        if (!VigilInputError.isInstance(error)) throw error;
        problem({ file: item.file, line: item.line, message: `turn ${planned.turn}: ${error.message}` });
      }
    }
  }

  const iterator = items();
  async function worker() {
    while (!stop.signal.aborted) {
      const next = await iterator.next();
      if (next.done) return;
      if (next.value.kind === 'error') problem(next.value);
      else await check(next.value);
      progress.bytesDone += next.value.bytes ?? 0;
      options.onProgress?.(progress);
    }
  }

  const workers = Array.from({ length: options.concurrency ?? 4 }, () =>
    worker().catch((error: unknown) => {
      fatal ??= error;
      stop.abort();
    }),
  );
  await Promise.all(workers);
  await iterator.return(undefined).catch(() => undefined);
  options.signal?.removeEventListener('abort', onAbort);
  summary.interrupted = stop.signal.aborted;
  return fatal === undefined ? { summary } : { summary, error: fatal };
}
