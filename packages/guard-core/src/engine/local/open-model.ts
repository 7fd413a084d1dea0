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
 * Loads a GGUF and creates its context, for the guard and the generator alike. On the CPU the file
 * is read, not memory-mapped: llama.cpp repacks many weight types for its CPU kernels, and with
 * mmap the file's pages stay resident beside the repacked copy (ADR 0005). A failure is a
 * `VigilModelError` naming the model and what could not be made; nothing is left allocated.
 */
export async function openModel(
  input: OpenModelInput,
): Promise<{ model: LlamaModel; context: LlamaContext }> {
  const { llama, modelPath, label, context: wanted } = input;
  const onCpu = llama.gpu === false;
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath,
      useMmap: onCpu ? false : 'auto',
      ...(onCpu ? {} : { gpuLayers: input.gpuLayers ?? 'auto' }),
    });
  } catch (error) {
    throw new VigilModelError(`${label}: cannot load '${modelPath}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return { model, context: await model.createContext(contextOptionsOf(wanted)) };
  } catch (error) {
    await model.dispose();
    throw new VigilModelError(
      `${label}: cannot create a context of ${wanted.contextSize} tokens x ${wanted.sequences} sequences: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
