import type { Guard, Policy } from '@vigil/guard-core';
import { VigilAbortError, VigilInputError, VigilModelOutputError } from '@vigil/guard-core';
import { judgedTurns, judgeScore } from '@vigil/guard-core/internal';
import type { EvalExample, EvalRowResult, EvalSkip } from './eval-types.js';

/** One configuration evaluated: a guard, and the policy whose verdicts are measured. */
export interface EvalSide {
  /** Shown in reports: the model, policy file or engine. */
  label: string;
  guard: Pick<Guard, 'classify'>;
  /** The policy the verdicts are measured at (its threshold, per-category thresholds, categories). */
  policy: Pick<Policy, 'threshold' | 'thresholds' | 'categories'>;
}

/** Where a running evaluation is (the audit progress display reads it). */
export interface EvalProgress {
  done: number;
  total: number;
  flagged: number;
  /** Text bytes classified so far, and in all. */
  bytesDone: number;
  bytesTotal: number;
}

export interface RunEvalOptions {
  sides: readonly EvalSide[];
  examples: readonly EvalExample[];
  /** Rows classified at once per side. Defaults to `4`. */
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Keys (`rowKey`) already measured (`--resume`): skipped. */
  done?: ReadonlySet<string> | undefined;
  /** Keep the judged text in each row (`--show-text`). Defaults to `false`. */
  showText?: boolean | undefined;
  onRow?: ((row: EvalRowResult) => void) | undefined;
  onSkip?: ((skip: EvalSkip & { side: number }) => void) | undefined;
  onProgress?: ((progress: EvalProgress) => void) | undefined;
}

export interface RunEvalOutcome {
  rows: EvalRowResult[];
  skips: (EvalSkip & { side: number })[];
  wallMs: number;
  interrupted: boolean;
  /** The failure that stopped the run early (an engine error), if any. */
  error?: unknown;
}

/** Identifies a measured row across runs. */
export function rowKey(side: number, file: string, line: number) {
  return `${side}\n${file}\n${line}`;
}

function bytesOf(example: EvalExample) {
  return Buffer.byteLength(JSON.stringify(example.messages));
}

/**
 * Classifies every example with every side, several at once, and measures each verdict at the
 * side's policy with the rule `buildVerdict` applies (so figures at other thresholds can be
 * computed from the same rows). Rows the guard refuses (too long, unreadable answer) are
 * counted as failed; an engine failure stops the run; `signal` stops it with a partial result.
 * @example
 * const { rows } = await runEval({ sides: [{ label: 'm', guard, policy: guard.policy }], examples });
 */
export async function runEval(options: RunEvalOptions): Promise<RunEvalOutcome> {
  const started = performance.now();
  const rows: EvalRowResult[] = [];
  const skips: (EvalSkip & { side: number })[] = [];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const progress: EvalProgress = {
    done: 0,
    total: options.examples.length * options.sides.length,
    flagged: 0,
    bytesDone: 0,
    bytesTotal: options.examples.reduce((sum, example) => sum + bytesOf(example), 0) * options.sides.length,
  };
  let fatal: unknown;

  async function measure(sideIndex: number, side: EvalSide, example: EvalExample) {
    if (options.done?.has(rowKey(sideIndex, example.file, example.line))) return;
    try {
      const verdict = await side.guard.classify(example.messages, {
        role: example.role,
        signal: stop.signal,
      });
      const named = [...verdict.categories.map((category) => category.code), ...verdict.ignoredCategories];
      const p = verdict.unsafeProbability;
      // The side's own policy decides, by the guard's own rule.
      const flagged = !judgeScore({ unsafeProbability: p, codes: named }, side.policy).safe;
      const row: EvalRowResult = {
        file: example.file,
        line: example.line,
        id: example.id,
        side: sideIndex,
        label: example.label === true,
        categories: example.categories,
        slices: example.slices,
        unsafeProbability: p,
        named,
        flagged,
        durationMs: Math.round(verdict.durationMs * 1000) / 1000,
      };
      // The judged turn's text, as the guard read it (guard-core's judgedTurns).
      if (options.showText)
        row.text = judgedTurns(example.messages, { role: verdict.role }).at(-1)?.text ?? '';
      rows.push(row);
      if (flagged) progress.flagged++;
      options.onRow?.(row);
    } catch (error) {
      if (VigilAbortError.isInstance(error) && stop.signal.aborted) return;
      if (!VigilInputError.isInstance(error) && !VigilModelOutputError.isInstance(error)) throw error;
      const skip = {
        file: example.file,
        line: example.line,
        kind: 'failed' as const,
        message: error.message,
        side: sideIndex,
      };
      skips.push(skip);
      options.onSkip?.(skip);
    }
  }

  const concurrency = options.concurrency ?? 4;
  await Promise.all(
    options.sides.map(async (side, sideIndex) => {
      let next = 0;
      const worker = async () => {
        while (!stop.signal.aborted && next < options.examples.length) {
          const example = options.examples[next++] as EvalExample;
          await measure(sideIndex, side, example);
          if (stop.signal.aborted) return;
          progress.done++;
          progress.bytesDone += bytesOf(example);
          options.onProgress?.(progress);
        }
      };
      await Promise.all(
        Array.from({ length: concurrency }, () =>
          worker().catch((error: unknown) => {
            fatal ??= error;
            stop.abort();
          }),
        ),
      );
    }),
  );
  options.signal?.removeEventListener('abort', onAbort);
  const outcome: RunEvalOutcome = {
    rows,
    skips,
    wallMs: performance.now() - started,
    interrupted: stop.signal.aborted,
  };
  if (fatal !== undefined) outcome.error = fatal;
  return outcome;
}
