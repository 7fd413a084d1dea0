import { z } from 'zod';
import type { DownloadProgress } from './model-file.js';

const isFunction = (value: unknown) => typeof value === 'function';

/**
 * Which llama.cpp backend runs the model: `'auto'` picks the best GPU backend whose prebuilt
 * binary works here (Metal on Apple silicon, CUDA or Vulkan on Linux and Windows) and falls back
 * to the CPU silently; `false` is the CPU only; a named backend fails when it cannot load.
 */
export const gpuOptionSchema = z.union([
  z.literal('auto'),
  z.literal(false),
  z.enum(['cuda', 'vulkan', 'metal']),
]);
export type GpuOption = z.output<typeof gpuOptionSchema>;

/**
 * The options every local model takes, guard or generator: where models live, download
 * progress, threads, context and sequence pool. One schema, extended by each factory's.
 */
export const runtimeOptionsSchema = z.object({
  modelsDir: z.string().min(1).optional(),
  onDownloadProgress: z
    .custom<(progress: DownloadProgress) => void>(isFunction, 'expected a function')
    .optional(),
  threads: z.number().int().min(1).optional(),
  contextSize: z.number().int().min(256).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  maxQueue: z.number().int().min(0).optional(),
});

/**
 * The options of the local guard engine beyond the shared ones: accelerator, long contexts, what
 * to do with conversations longer than them, and the conversation-state cache.
 */
export const localEngineOptionsSchema = z.object({
  gpu: gpuOptionSchema.optional(),
  gpuLayers: z.union([z.number().int().min(0), z.literal('auto'), z.literal('max')]).optional(),
  maxContextSize: z.number().int().min(0).optional(),
  stateCacheBytes: z.number().int().min(0).optional(),
  longConversation: z.enum(['truncate', 'error']).optional(),
});
