import type { Guard, Verdict } from '@vigil/guard-core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What a request's verdicts add up to, for the request counter's `verdict` label. */
export type RequestVerdict = 'safe' | 'flagged' | 'none';

/** The service's Prometheus metrics, in one registry (`GET /metrics`). */
export interface ServiceMetrics {
  readonly registry: Registry;
  request(route: string, status: number, verdict: RequestVerdict, seconds: number): void;
  classification(side: 'user' | 'assistant', outcome: 'safe' | 'unsafe' | 'error', seconds: number): void;
  verdict(verdict: Verdict): void;
  inFlight(delta: number): void;
}

/**
 * Creates the metrics (names and labels in Prometheus' conventions: `vigil_` prefix, base
 * units, `_total` counters). Queue depth, model memory and cache size are read from the guard at
 * scrape time. `processMetrics` adds prom-client's default process metrics.
 */
export function createServiceMetrics(
  guard: Pick<Guard, 'stats'>,
  { registry, processMetrics }: { registry: Registry; processMetrics: boolean },
): ServiceMetrics {
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: 'vigil_http_requests_total',
    help: 'HTTP requests answered, by route, status code and verdict (flagged when any input was).',
    labelNames: ['route', 'status', 'verdict'] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request duration, by route and status code.',
    labelNames: ['route', 'status'] as const,
    buckets: latencyBuckets,
    registers,
  });
  const classificationSeconds = new Histogram({
    name: 'vigil_classification_duration_seconds',
    help: 'Duration of one classification (queueing included), by side judged and outcome.',
    labelNames: ['side', 'outcome'] as const,
    buckets: latencyBuckets,
    registers,
  });
  const evaluated = new Counter({
    name: 'vigil_tokens_evaluated_total',
    help: 'Prompt and answer tokens the model evaluated.',
    registers,
  });
  const cached = new Counter({
    name: 'vigil_tokens_cached_total',
    help: 'Prompt tokens served from the KV cache (policy prefix, earlier turns).',
    registers,
  });
  const cacheHits = new Counter({
    name: 'vigil_verdict_cache_hits_total',
    help: 'Classifications answered from the verdict cache (no inference).',
    registers,
  });
  const inFlight = new Gauge({
    name: 'vigil_classifications_in_flight',
    help: 'Classifications admitted and not yet finished (running or waiting).',
    registers,
  });
  new Gauge({
    name: 'vigil_guard_queue_depth',
    help: 'Classifications waiting for a free model sequence.',
    registers,
    collect() {
      this.set(guard.stats().engine.waiting ?? 0);
    },
  });
  new Gauge({
    name: 'vigil_model_memory_bytes',
    help: 'Size of the loaded guard model in memory (0 for a remote engine).',
    registers,
    collect() {
      this.set(guard.stats().engine.modelBytes ?? 0);
    },
  });
  new Gauge({
    name: 'vigil_verdict_cache_entries',
    help: 'Verdicts held in the verdict cache.',
    registers,
    collect() {
      this.set(guard.stats().verdictCache.size);
    },
  });
  return {
    registry,
    request(route, status, verdict, seconds) {
      requests.inc({ route, status: String(status), verdict });
      requestSeconds.observe({ route, status: String(status) }, seconds);
    },
    classification(side, outcome, seconds) {
      classificationSeconds.observe({ side, outcome }, seconds);
    },
    verdict(verdict) {
      if (verdict.cached) {
        cacheHits.inc();
        return;
      }
      evaluated.inc(verdict.usage.evaluatedTokens);
      cached.inc(verdict.usage.cachedTokens);
    },
    inFlight(delta) {
      inFlight.inc(delta);
    },
  };
}
