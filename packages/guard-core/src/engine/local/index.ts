import type { GuardEngine } from '../types.js';
import type { LocalEngineOptions } from './local-engine.js';
import type { GpuOption } from './runtime-options.js';

export type { GpuOption, LocalEngineOptions };

/**
 * Creates the in-process engine, loading the native runtime only when called. One engine can
 * serve several guards with different policies.
 * @example
 * const engine = await createLocalEngine({ model: './Llama-Guard-3-1B.Q4_K_M.gguf', concurrency: 2 });
 * const strict = await createGuard({ engine, threshold: 0.3 });
 */
export async function createLocalEngine(options: LocalEngineOptions): Promise<GuardEngine> {
  const { createLocalEngine: create } = await import('./local-engine.js');
  return create(options);
}
