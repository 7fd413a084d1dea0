import type { GuardEngine } from '../types.js';
import type { LocalEngineOptions } from './local-engine.js';

export { oneOutputPerBatch } from './one-output-per-batch.js';
export type { LocalEngineOptions };

/**
 * Creates the in-process engine (node-llama-cpp), loading the native addon only when called.
 * One engine can serve several guards with different policies.
 * @example
 * const engine = await createLocalEngine({ model: './Llama-Guard-3-1B.Q4_K_M.gguf', concurrency: 2 });
 * const strict = await createGuard({ engine, threshold: 0.3 });
 */
export async function createLocalEngine(options: LocalEngineOptions): Promise<GuardEngine> {
  const { createLocalEngine: create } = await import('./local-engine.js');
  return create(options);
}

/**
 * The process's one llama.cpp runtime (CPU, prebuilt binaries only), shared by every guard,
 * the generator and benchmarks, loaded on first call.
 * @example
 * const llama = await getSharedLlama();
 * const model = await llama.loadModel({ modelPath });
 */
export async function getSharedLlama() {
  const { getSharedLlama: get } = await import('./llama.js');
  return get();
}
