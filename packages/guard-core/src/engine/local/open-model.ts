import type { Llama, LlamaContext, LlamaContextOptions, LlamaModel } from 'node-llama-cpp';
import { VigilModelError } from '../../errors.js';
import { oneOutputPerBatch } from './one-output-per-batch.js';

/** A context of a model loaded by {@link openModel}: its sequences, size and threads. */
export interface ModelContextOptions {
  sequences: number;
  contextSize: number;
  threads: number;
  /** Tokens per micro-batch; defaults to node-llama-cpp's. */
  batchSize?: number | undefined;
  /** Flash attention forced on or off; defaults to node-llama-cpp's `'auto'`. */
  flashAttention?: boolean | undefined;
}

export interface OpenModelInput {
  /** The runtime (see `getSharedLlama`). */
  llama: Llama;
  modelPath: string;
  /** How messages name the model, e.g. `model 'hf:...'` or `generator model './chat.gguf'`. */
  label: string;
  /** Layers offloaded to a GPU; ignored on the CPU. Defaults to node-llama-cpp's `'auto'`. */
  gpuLayers?: number | 'auto' | 'max' | undefined;
  /**
   * Map the file (`true`), read it into a private copy (`false`), or map it where node-llama-cpp
   * supports mmap and read it when mapping fails (`'auto'`). Defaults to `'auto'`.
   */
  mmap?: boolean | 'auto' | undefined;
  context: ModelContextOptions;
}

/**
 * node-llama-cpp context options: concurrent sequences share decodes with one output-producing
 * sequence per batch (ADR 0003).
 */
export function contextOptionsOf(options: ModelContextOptions): LlamaContextOptions {
  const { sequences, contextSize, threads, batchSize, flashAttention } = options;
  return {
    sequences,
    contextSize,
    threads,
    ...(batchSize === undefined ? {} : { batchSize: Math.min(batchSize, contextSize) }),
    batching: { itemPrioritizationStrategy: oneOutputPerBatch },
    ...(flashAttention === undefined ? {} : { flashAttention }),
  };
}

/**
 * Loads a GGUF and creates its context, for the guard and the generator alike. By default the file
 * is memory-mapped: its pages are shared by every process mapping it and stay in the page cache
 * across restarts; where llama.cpp repacks a weight type for its CPU kernels, those tensors are
 * copied anyway (ADR 0015). A failure is a `VigilModelError` naming the model and what could not
 * be made; nothing is left allocated.
 */
export async function openModel(
  input: OpenModelInput,
): Promise<{ model: LlamaModel; context: LlamaContext }> {
  const { llama, modelPath, label, context: wanted } = input;
  const model = await loadModel(input);
  try {
    return { model, context: await model.createContext(contextOptionsOf(wanted)) };
  } catch (error) {
    await model.dispose();
    throw new VigilModelError(
      `${label}: cannot create a context of ${wanted.contextSize} tokens x ${wanted.sequences} sequences: ${(error as Error).message}`,
      { cause: error },
    );
  }

  async function loadModel({ mmap = 'auto', gpuLayers }: OpenModelInput): Promise<LlamaModel> {
    const onCpu = llama.gpu === false;
    const load = (useMmap: boolean | 'auto') =>
      llama.loadModel({ modelPath, useMmap, ...(onCpu ? {} : { gpuLayers: gpuLayers ?? 'auto' }) });
    try {
      // On the CPU `'auto'` is mmap wherever node-llama-cpp supports it (with a GPU, node-llama-cpp
      // may turn it off to offload more layers).
      const useMmap = mmap === 'auto' && onCpu ? llama.supportsMmap : mmap;
      try {
        return await load(useMmap);
      } catch (error) {
        // A file system that cannot map the file (some network and FUSE mounts): read it instead.
        if (mmap !== 'auto' || useMmap === false) throw error;
        return await load(false);
      }
    } catch (error) {
      throw new VigilModelError(`${label}: cannot load '${modelPath}': ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
