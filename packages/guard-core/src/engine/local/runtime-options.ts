import { z } from 'zod';
import { functionOption } from '../../validation.js';
import type { DownloadProgress } from './model-file.js';

// Schema-first options: each option is written once, as a key of a shape below with its doc
// comment; the public types are `z.input` of the schemas built from these shapes and the
// resolved ones (defaults applied) `z.output`. Shapes are plain objects combined by spreading,
// and every schema is annotated `z.ZodObject<typeof shape, ...>`: that keeps the doc comments
// in the emitted `.d.ts` (a schema's inferred type is printed there without them).

/** Validators of the sizes every local model takes; each factory documents them with its own defaults. */
export const contextSizeSchema = z.number().int().min(256);
export const concurrencySchema = z.number().int().min(1).max(64);
export const maxQueueSchema = z.number().int().min(0);

const gpuSchema = z.union([z.literal('auto'), z.literal(false), z.enum(['cuda', 'vulkan', 'metal'])]);

/**
 * Which llama.cpp backend runs the model: `'auto'` picks the best GPU backend whose prebuilt
 * binary works here (Metal on Apple silicon, CUDA or Vulkan on Linux and Windows) and falls back
 * to the CPU silently; `false` is the CPU only; a named backend fails when it cannot load.
 */
export type GpuOption = z.output<typeof gpuSchema>;

/** The options every local model takes, guard or generator, with the same meaning. */
export const runtimeOptionsShape = {
  /** Where downloaded models are kept. Defaults to `VIGIL_MODELS_DIR`, else node-llama-cpp's cache (`~/.node-llama-cpp/models`). */
  modelsDir: z.string().min(1).optional(),
  /** Called while the model downloads (first use of an `hf:` URI). Defaults to none. */
  onDownloadProgress: functionOption<(progress: DownloadProgress) => void>().optional(),
  /**
   * CPU threads for inference. Defaults to the number of physical cores (node-llama-cpp's own
   * default oversubscribes small machines). Use `1` on a machine with noisy neighbours.
   */
  threads: z.number().int().min(1).optional(),
};

/** The local guard engine's options that `createGuard` takes as well. */
export const localModelOptionsShape = {
  ...runtimeOptionsShape,
  /** Tokens per conversation, prompt included (each of `concurrency` sequences gets this many; a longer one is judged in a larger context made on demand, see `maxContextSize`). Defaults to `2048`. */
  contextSize: contextSizeSchema.default(2048),
  /** Classifications evaluated at once, batched into shared decodes. Defaults to `4`. */
  concurrency: concurrencySchema.default(4),
  /** Calls allowed to wait for a free sequence before `VigilQueueFullError`. Defaults to `1024`. */
  maxQueue: maxQueueSchema.default(1024),
  /**
   * Keep what each sequence's KV cache holds between calls (the policy prefix, earlier turns of a
   * growing conversation, the checked part of a streamed answer) and evaluate only what changed.
   * `false` evaluates every prompt whole, for comparisons. Defaults to `true`.
   */
  reuseCache: z.boolean().default(true),
  /**
   * Flash attention. On by default where llama.cpp supports it (about 1.7 times faster prefill
   * here on CPU); with it, a cached evaluation's probabilities differ from a whole one's by up to
   * about 1e-3 (another kernel for short batches); off, they are identical. Defaults to `'auto'`.
   */
  flashAttention: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /**
   * Which llama.cpp backend runs the model: `'auto'` uses the best GPU backend whose prebuilt
   * binary works on this machine (Metal, CUDA, Vulkan) and falls back to the CPU silently;
   * `false` is the CPU only; `'cuda'`, `'vulkan'`, `'metal'` fail with `VigilModelError` when
   * that backend cannot load. Nothing is built or downloaded at run time. Defaults to `'auto'`.
   */
  gpu: gpuSchema.default('auto'),
  /**
   * Layers offloaded to the GPU: a number, `'max'`, or `'auto'` (as many as fit in free VRAM,
   * node-llama-cpp's estimate). Ignored on the CPU. Defaults to `'auto'`.
   */
  gpuLayers: z.union([z.number().int().min(0), z.literal('auto'), z.literal('max')]).default('auto'),
  /**
   * The most tokens a conversation longer than `contextSize` may take: it is judged in a larger
   * one-sequence context created on demand (at most the model's trained context, GGUF
   * `context_length`) and freed after 30 s unused. Its KV cache costs about 32 KB per token for
   * Llama Guard 3 1B at f16 (16 layers x 8 KV heads x 128 x 2 bytes): 512 MB at the default. `0`
   * (or a value at most `contextSize`) turns it off. Defaults to `16384`.
   */
  maxContextSize: z.number().int().min(0).default(16_384),
  /**
   * Map the GGUF file into memory instead of reading it into a private copy. Mapped weights are
   * shared by every process on the host that maps the same file, stay in the OS page cache
   * between runs (a restart does not read 1.6 GB again) and can be reclaimed under pressure.
   * Where llama.cpp repacks a weight type for its CPU kernels (e.g. Q4_0 and Q4_K on x86 with
   * AVX2; not Q8_0), those tensors are copied anyway and only the rest is shared (ADR 0015).
   * `'auto'` maps where node-llama-cpp supports it and reads the file when mapping fails; `false`
   * always reads it (private memory, nothing resident beside it). Defaults to `'auto'`.
   */
  mmap: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /**
   * Tokens per llama.cpp micro-batch (llama-server's default is 512). On the 1B-shaped model here,
   * 512 ran single calls about 5% faster than 128 for about 30 MB more private memory (its
   * compute buffer); 128 is the frugal choice (ADR 0015). Defaults to `512`.
   */
  batchSize: z.number().int().min(16).max(4096).default(512),
  /**
   * Bytes of conversation states kept outside the KV cache, written after each verdict (files in
   * the user's 0700 directory `vigil-<uid>` under `XDG_RUNTIME_DIR`, else `/dev/shm`, else the OS
   * temporary directory, removed on `dispose()` and at exit): a later check of that conversation restores its state and evaluates only the new
   * turns, however many other conversations came between (ADR 0006). A state costs the KV cache
   * of its tokens (about 32 KB per token for Llama Guard 3 1B at f16: 13 MB for a 400-token
   * conversation); the least recently used go first. `0` turns it off; so does
   * `reuseCache: false`. Defaults to an eighth of free RAM, at most 1 GiB.
   */
  stateCacheBytes: z.number().int().min(0).optional(),
};

/** Tokens evaluated per native call by default. */
export const defaultChunkSize = 512;

const localEngineOptionsShape = {
  /** A local GGUF path or an `hf:` URI. Required. */
  model: z.string().min(1),
  ...localModelOptionsShape,
  /** Tokens evaluated per native call; a pending abort is honoured between chunks. Defaults to `512`. */
  chunkSize: z.number().int().min(1).default(defaultChunkSize),
};

/** Validates {@link LocalEngineOptions}. */
export const localEngineOptionsSchema: z.ZodObject<typeof localEngineOptionsShape, z.core.$strict> =
  z.strictObject(localEngineOptionsShape);

/** The options of `createLocalEngine`. */
export interface LocalEngineOptions extends z.input<typeof localEngineOptionsSchema> {}

/** {@link LocalEngineOptions} with their defaults applied, as the engine takes them. */
export type ResolvedLocalEngineOptions = z.output<typeof localEngineOptionsSchema>;

/** The shared runtime options as one schema, for the generator's own. */
export const runtimeOptionsSchema: z.ZodObject<typeof runtimeOptionsShape, z.core.$strip> =
  z.object(runtimeOptionsShape);
