import type { Guard, JudgedRole } from '@vigil/guard-core';
import { VigilAbortError, VigilInputError } from '@vigil/guard-core';
import { readTranscript } from '../../transcripts/read-transcript.js';
import type {
  InputFormat,
  SkippedLink,
  TranscriptItem,
  TranscriptSource,
} from '../../transcripts/transcript-types.js';
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
  /** Links the path expansion did not follow: each reported first, as an error (line 0: the file). Defaults to none. */
  skippedLinks?: readonly SkippedLink[] | undefined;
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
  /** Keys (see `resultKey`, by real path) of turns and errors already reported (`--resume`): skipped. */
  done?: ReadonlySet<string> | undefined;
  /** A summary to continue counting into (from `--resume`). Defaults to an empty one. */
  summary?: AuditSummary | undefined;
  /** Each result, in input order (files in the order given, records in file order). */
  onResult?: ((result: AuditResult) => void) | undefined;
  /** Each record or turn that could not be checked, in input order with the results. */
  onProblem?: ((problem: AuditProblem) => void) | undefined;
  /** Called after each record (often: throttle in the callee). */
  onProgress?: ((progress: AuditProgress) => void) | undefined;
}

/** The end of an audit: the summary, and the error that stopped it early, if any. */
export interface AuditOutcome {
  summary: AuditSummary;
  /** Turns and errors skipped because `done` held them. */
  skipped: number;
  error?: unknown;
}

type AuditEvent =
  | { kind: 'result'; result: AuditResult }
  | { kind: 'problem'; problem: AuditProblem }
  | { kind: 'conversation' };

/** How far ahead of the oldest unfinished record workers may read, per worker. */
const windowPerWorker = 64;

/** Decides whether a turn or error was already reported (`--resume`), counting the skips. */
type AlreadyDone = (file: string, line: number, turn: number | null) => boolean;

/**
 * Releases each record's events in input order: a record's events wait until those of every
 * record before it are out. Readers wait while too many records are unreleased.
 */
function inOrderRelease(emit: (event: AuditEvent) => void, window: number, signal: AbortSignal) {
  let taken = 0;
  let released = 0;
  const finished = new Map<number, AuditEvent[]>();
  let wakeUp: (() => void)[] = [];
  signal.addEventListener('abort', () => {
    for (const resolve of wakeUp) resolve();
  });
  return {
    take: () => taken++,
    finish(sequence: number, events: AuditEvent[]) {
      finished.set(sequence, events);
      for (let next = finished.get(released); next; next = finished.get(released)) {
        finished.delete(released++);
        for (const event of next) emit(event);
      }
      for (const resolve of wakeUp) resolve();
      wakeUp = [];
    },
    async roomToRead() {
      while (taken - released >= window && !signal.aborted) {
        await new Promise<void>((resolve) => wakeUp.push(resolve));
      }
    },
    /** Stopped early: what finished after a gap is still released, in order. */
    flush() {
      for (const sequence of [...finished.keys()].sort((a, b) => a - b)) {
        for (const event of finished.get(sequence) ?? []) emit(event);
      }
    },
  };
}

/**
 * Checks one conversation's planned turns: their results and problems, or `undefined` when the
 * audit was stopped mid-check (nothing of it is reported).
 * @throws what the guard throws other than an input error (an engine failure stops the audit).
 */
async function checkConversation(
  item: Extract<TranscriptItem, { kind: 'conversation' }>,
  options: AuditOptions,
  signal: AbortSignal,
  alreadyDone: AlreadyDone,
): Promise<AuditEvent[] | undefined> {
  const events: AuditEvent[] = [{ kind: 'conversation' }];
  const id = item.id ?? null;
  const problem = (turn: number | null, reason: string): AuditEvent => ({
    kind: 'problem',
    problem: { file: item.file, line: item.line, id, turn, reason },
  });
  let plannedChecks: ReturnType<typeof planChecks>;
  try {
    plannedChecks = planChecks(item.messages, options);
  } catch (error) {
    if (!VigilInputError.isInstance(error)) throw error;
    events.push(problem(null, error.message));
    return events;
  }
  for (const planned of plannedChecks) {
    if (signal.aborted) return undefined;
    if (alreadyDone(item.file, item.line, planned.turn)) continue;
    if (planned.unreadable !== undefined) {
      events.push(problem(planned.turn, planned.unreadable));
      continue;
    }
    try {
      const verdict = await options.guard.classify(planned.messages, { signal });
      events.push({
        kind: 'result',
        result: {
          file: item.file,
          line: item.line,
          id,
          turn: planned.turn,
          role: planned.role,
          safe: verdict.safe,
          categories: verdict.categories.map((category) => category.code),
          ignoredCategories: verdict.ignoredCategories,
          unsafeProbability: verdict.unsafeProbability,
          ...(verdict.truncated ? { truncated: verdict.truncated } : {}),
          excerpt: planned.excerpt,
        },
      });
    } catch (error) {
      if (VigilAbortError.isInstance(error) && signal.aborted) return undefined;
      if (!VigilInputError.isInstance(error)) throw error;
      events.push(problem(planned.turn, error.message));
    }
  }
  return events;
}

/**
 * Audits transcripts: reads each source as a stream, checks the last turn (or every turn) of each
 * conversation with the guard, several conversations at once, and reports results and errors in
 * input order (completions that finish early wait for the ones before them). The summary counts
 * exactly what was reported. Bad records are reported and skipped; an engine failure stops the
 * audit.
 * @example
 * const { summary } = await runAudit({ guard, sources: [{ file: 'chats.jsonl', realPath: 'chats.jsonl' }], onResult: console.log });
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
  let skipped = 0;
  const concurrency = options.concurrency ?? 4;
  const emit = (event: AuditEvent) => {
    if (event.kind === 'conversation') summary.conversations++;
    else if (event.kind === 'result') {
      countResult(summary, event.result);
      options.onResult?.(event.result);
    } else {
      summary.errors++;
      options.onProblem?.(event.problem);
    }
  };
  const order = inOrderRelease(emit, concurrency * windowPerWorker, stop.signal);

  const realPaths = new Map<string, string>();
  async function* items(): AsyncGenerator<TranscriptItem> {
    for (const source of options.sources) {
      if (stop.signal.aborted) return;
      summary.files++;
      realPaths.set(source.file, source.realPath);
      yield* readTranscript(source.file, { format: options.inputFormat });
    }
  }
  const alreadyDone: AlreadyDone = (file, line, turn) => {
    if (!options.done?.has(resultKey(realPaths.get(file) ?? file, line, turn ?? -1))) return false;
    skipped++;
    return true;
  };

  for (const link of options.skippedLinks ?? []) {
    realPaths.set(link.file, link.realPath);
    if (alreadyDone(link.file, 0, null)) continue;
    const reason =
      'symbolic link not followed (it may lead out of the directory walked): name it on the command line, or pass --follow-symlinks, to audit it';
    emit({ kind: 'problem', problem: { file: link.file, line: 0, id: null, turn: null, reason } });
  }
  const iterator = items();
  let reading = Promise.resolve();
  async function worker() {
    while (!stop.signal.aborted) {
      await order.roomToRead();
      if (stop.signal.aborted) return;
      // One reader at a time, so that record numbers follow the input.
      const turn = reading.then(() => iterator.next());
      reading = turn.then(
        () => undefined,
        () => undefined,
      );
      const next = await turn;
      if (next.done) return;
      const sequence = order.take();
      const item = next.value;
      let events: AuditEvent[] | undefined;
      if (item.kind === 'error') {
        const problem = {
          file: item.file,
          line: item.line,
          id: item.id ?? null,
          turn: null,
          reason: item.message,
        };
        events = alreadyDone(item.file, item.line, null) ? [] : [{ kind: 'problem', problem }];
      } else events = await checkConversation(item, options, stop.signal, alreadyDone);
      if (events === undefined) return; // cancelled mid-check: not reported, not counted
      order.finish(sequence, events);
      progress.bytesDone += item.bytes ?? 0;
      options.onProgress?.(progress);
    }
  }

  const workers = Array.from({ length: concurrency }, () =>
    worker().catch((error: unknown) => {
      fatal ??= error;
      stop.abort();
    }),
  );
  await Promise.all(workers);
  await iterator.return(undefined).catch(() => undefined);
  options.signal?.removeEventListener('abort', onAbort);
  order.flush();
  summary.interrupted = stop.signal.aborted;
  return fatal === undefined ? { summary, skipped } : { summary, skipped, error: fatal };
}
