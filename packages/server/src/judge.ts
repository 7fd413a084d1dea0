import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  type ClassifyOptions,
  type Guard,
  type JudgedRole,
  type Message,
  type Verdict,
  VigilAbortError,
} from '@vigil/guard-core';
import { type Admission, busyError } from './admission.js';
import { apiErrorOf, timedOut } from './api-error.js';
import type { ServiceMetrics } from './service-metrics.js';

const tracer = trace.getTracer('@vigil/server');

/** One thing to classify and the request field it came from (for a 400's `param`). */
export interface JudgeItem {
  input: string | readonly Message[];
  param: string;
}

export interface JudgeOptions extends Omit<ClassifyOptions, 'signal'> {
  /** Aborts when the client goes away (a 499). */
  signal: AbortSignal;
  /** Milliseconds the classifications may take, then a timeout (a 503). */
  timeoutMs: number;
}

/** The request's deadline: its signal, and its milliseconds for the error. */
interface Deadline {
  signal: AbortSignal;
  ms: number;
}

/** Classifies a request's items concurrently, with admission control, metrics and one span each. */
export function createJudge(
  guard: Pick<Guard, 'classify'>,
  metrics: ServiceMetrics,
  admission: Admission,
  retryAfterSeconds: number,
) {
  async function one(item: JudgeItem, options: ClassifyOptions, side: JudgedRole, deadline: Deadline) {
    const started = performance.now();
    return tracer.startActiveSpan('vigil.classify', async (span) => {
      try {
        const verdict = await guard.classify(item.input, options);
        const seconds = (performance.now() - started) / 1000;
        metrics.classification(verdict.role, verdict.safe ? 'safe' : 'unsafe', seconds);
        metrics.verdict(verdict);
        span.setAttributes({
          'vigil.role': verdict.role,
          'vigil.verdict': verdict.safe ? 'safe' : 'unsafe',
          'vigil.categories': verdict.categories.map((category) => category.code),
          'vigil.unsafe_probability': verdict.unsafeProbability ?? -1,
          'vigil.cached': verdict.cached,
          'vigil.tokens.evaluated': verdict.usage.evaluatedTokens,
        });
        return verdict;
      } catch (error) {
        metrics.classification(side, 'error', (performance.now() - started) / 1000);
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        // The request's own deadline, not the client, aborted the classification.
        const late = deadline.signal.aborted && VigilAbortError.isInstance(error);
        throw late ? timedOut(deadline.ms, error) : apiErrorOf(error, item.param);
      } finally {
        span.end();
      }
    });
  }

  /**
   * Judges every item, or none: a request that would pass the admission limit is refused with
   * 429; the first failure aborts the others and is the request's error (fail-closed).
   */
  return async function judge(items: readonly JudgeItem[], options: JudgeOptions): Promise<Verdict[]> {
    if (!admission.tryAcquire(items.length)) throw busyError(admission, retryAfterSeconds);
    metrics.inFlight(items.length);
    const failed = new AbortController();
    const { timeoutMs, ...classifyOptions } = options;
    const deadline = { signal: AbortSignal.timeout(timeoutMs), ms: timeoutMs };
    const signal = AbortSignal.any([options.signal, deadline.signal, failed.signal]);
    let first: unknown;
    try {
      const settled = await Promise.allSettled(
        items.map((item) =>
          one(item, { ...classifyOptions, signal }, options.role ?? 'user', deadline).catch(
            (error: unknown) => {
              first ??= error;
              failed.abort();
              throw error;
            },
          ),
        ),
      );
      const rejected = settled.find((result) => result.status === 'rejected');
      if (rejected) throw first ?? rejected.reason;
      return settled.map((result) => (result as PromiseFulfilledResult<Verdict>).value);
    } finally {
      admission.release(items.length);
      metrics.inFlight(-items.length);
    }
  };
}
