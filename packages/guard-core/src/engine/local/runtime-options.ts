import { z } from 'zod';
import type { DownloadProgress } from './model-file.js';

const isFunction = (value: unknown) => typeof value === 'function';

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
  gpu: z.union([z.literal('auto'), z.literal(false), z.enum(['cuda', 'vulkan', 'metal'])]).optional(),
  gpuLayers: z.union([z.number().int().min(0), z.literal('auto'), z.literal('max')]).optional(),
  maxContextSize: z.number().int().min(0).optional(),
  stateCacheBytes: z.number().int().min(0).optional(),
  longConversation: z.enum(['truncate', 'error']).optional(),
});
