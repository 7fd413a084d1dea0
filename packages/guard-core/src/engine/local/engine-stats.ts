import type { LlamaContext, LlamaModel } from 'node-llama-cpp';
import type { EngineMemory, Usage } from '../types.js';
import type { LongContext } from './long-context.js';
import type { StateCache } from './state-cache.js';

/** Counters of the calls an engine scored, summed. */
export class CallTotals {
  calls = 0;
  promptTokens = 0;
  evaluatedTokens = 0;
  cachedTokens = 0;

  add(usage: Usage) {
    this.calls++;
    this.promptTokens += usage.promptTokens;
    this.evaluatedTokens += usage.evaluatedTokens;
    this.cachedTokens += usage.cachedTokens;
  }

  snapshot() {
    const { calls, promptTokens, evaluatedTokens, cachedTokens } = this;
    return { calls, promptTokens, evaluatedTokens, cachedTokens };
  }
}

/** What the engine holds: the weights, the pooled and the long context's KV caches, the state cache. */
export function engineMemory(parts: {
  model: LlamaModel;
  context: LlamaContext;
  slots: readonly unknown[];
  kvBytesPerToken: number;
  long: LongContext | undefined;
  states: StateCache | undefined;
}): EngineMemory {
  const { model, context, slots, kvBytesPerToken, long, states } = parts;
  return {
    weights: model.size,
    kvCache: context.contextSize * slots.length * kvBytesPerToken,
    longContextKvCache: (long?.cells ?? 0) * kvBytesPerToken,
    kvBytesPerToken,
    stateCache: states?.bytes ?? 0,
  };
}

/** KV bytes per token: layers x KV heads x (key + value length) x the cache type's bytes per value. */
export function kvBytesPerTokenOf(model: LlamaModel, context: LlamaContext) {
  const metadata = model.fileInfo.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
  const architecture = metadata[String(model.fileInfo.metadata.general.architecture)] ?? {};
  const attention = (architecture.attention ?? {}) as Record<string, unknown>;
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const embedding = number(architecture.embedding_length, 0);
  const heads = number(attention.head_count, 1);
  const kvHeads = number(attention.head_count_kv, heads);
  const headSize = heads > 0 ? embedding / heads : 0;
  const keyLength = number(attention.key_length, headSize);
  const valueLength = number(attention.value_length, headSize);
  const layers = number(architecture.block_count, 0);
  const bytes = (type: number) => bytesPerValue[type] ?? 2;
  return (
    layers *
    kvHeads *
    (keyLength * bytes(context.kvCacheKeyType) + valueLength * bytes(context.kvCacheValueType))
  );
}

/** Bytes per value of GGML's KV cache types (F32 0, F16 1, Q4_0 2, Q4_1 3, Q5_0 6, Q5_1 7, Q8_0 8, BF16 30). */
const bytesPerValue: Record<number, number> = {
  0: 4,
  1: 2,
  2: 18 / 32,
  3: 20 / 32,
  6: 22 / 32,
  7: 24 / 32,
  8: 34 / 32,
  30: 2,
};

/** The state cache's counters, as `guard.stats()` names them. */
export function stateStats(states: StateCache) {
  const { saves, saveFailures, saveMs, restores, restoreFailures, restoredTokens, restoreMs, evictions } =
    states.stats;
  return {
    stateCacheBytes: states.bytes,
    stateCacheBudget: states.maxBytes,
    stateCacheEntries: states.entries,
    stateSaves: saves,
    stateSaveFailures: saveFailures,
    stateSaveMs: Math.round(saveMs),
    stateRestores: restores,
    stateRestoreFailures: restoreFailures,
    stateRestoredTokens: restoredTokens,
    stateRestoreMs: Math.round(restoreMs),
    stateEvictions: evictions,
  };
}
