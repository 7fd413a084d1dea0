import { parseOrThrow } from '../../validation.js';
import type { GuardEngine } from '../types.js';
import {
  type GpuOption,
  type LocalEngineOptions,
  localEngineOptionsSchema,
  type ResolvedLocalEngineOptions,
} from './runtime-options.js';

export type { GpuOption, LocalEngineOptions };

/**
 * Creates the in-process engine, loading the native runtime only when called. One engine can
 * serve several guards with different policies.
 * @example
 * const engine = await createLocalEngine({ model: './Llama-Guard-3-1B.Q4_K_M.gguf', concurrency: 2 });
 * const strict = await createGuard({ engine, threshold: 0.3 });
 */
export async function createLocalEngine(options: LocalEngineOptions): Promise<GuardEngine> {
  return openLocalEngine(parseOrThrow(localEngineOptionsSchema, options, 'createLocalEngine options'));
}

/** The engine for options already validated and resolved (by `createLocalEngine` or `createGuard`). */
export async function openLocalEngine(options: ResolvedLocalEngineOptions): Promise<GuardEngine> {
  // Node only: bundles for the browser get a stub that fails (see src/platform).
  const { loadLocalEngine } = await import('#platform/local-engine');
  return loadLocalEngine(options);
}
