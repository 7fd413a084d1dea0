import type { LlamaContext, LlamaModel } from 'node-llama-cpp';
import { VigilModelError } from '../../errors.js';
import type { EngineModelInfo } from '../types.js';
import { AnswerTokens } from './answer-tokens.js';
import { kvBytesPerTokenOf } from './engine-stats.js';
import { backendOf, getSharedLlama, resolveThreads } from './llama.js';
import { LongContext } from './long-context.js';
import { resolveModel } from './model-file.js';
import { contextOptionsOf, openModel } from './open-model.js';
import { PromptTokens } from './prompt-tokens.js';
import type { ResolvedLocalEngineOptions } from './runtime-options.js';
import { SequencePool } from './sequence-pool.js';
import { answerRoom, type Slot, SlotScorer, slotOf } from './slot-scorer.js';
import { defaultStateCacheBytes, StateCache } from './state-cache.js';

/** A long context unused this long is freed. */
const longContextIdleMs = 30_000;

/** What the local engine works with once its model is open. */
export interface OpenedEngine {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly info: EngineModelInfo & { contextSize: number; maxPromptTokens: number };
  /** The larger context for conversations longer than `contextSize`; undefined when none may be made. */
  readonly long: LongContext | undefined;
  readonly slots: readonly Slot[];
  readonly pool: SequencePool<Slot>;
  /** Conversation states kept outside the KV cache; undefined when turned off. */
  readonly states: StateCache | undefined;
  readonly kvBytesPerToken: number;
  readonly prompts: PromptTokens;
  readonly scorer: SlotScorer;
}

/**
 * Opens the local engine's model: finds the file (downloading it on first use), loads the shared
 * runtime, the model and its pooled context with one sequence per concurrent call, and prepares
 * the long context (made on demand), the state cache and the tokenizers. Nothing is evaluated.
 */
export async function openEngine(options: ResolvedLocalEngineOptions): Promise<OpenedEngine> {
  const { contextSize: wantedContextSize, concurrency, maxQueue, batchSize, reuseCache, chunkSize } = options;
  // The file first: a missing model or an impossible download fails before the runtime loads.
  const modelPath = await resolveModel(options.model, {
    modelsDir: options.modelsDir,
    onDownloadProgress: options.onDownloadProgress,
  });
  const llama = await getSharedLlama(options.gpu);
  const threads = resolveThreads(llama, options.threads);
  const flashAttention = typeof options.flashAttention === 'boolean' ? options.flashAttention : undefined;
  const contextOf = (sequences: number, contextSize: number) => ({
    sequences,
    contextSize,
    threads,
    batchSize,
    flashAttention,
  });
  const { model, context } = await openModel({
    llama,
    modelPath,
    label: `model '${options.model}'`,
    gpuLayers: options.gpuLayers,
    mmap: options.mmap,
    context: contextOf(concurrency, wantedContextSize),
  });
  const answer = AnswerTokens.forModel(model);
  const contextSize = context.contextSize;
  const trainedContextSize = model.trainContextSize > 0 ? model.trainContextSize : undefined;
  const longLimit = Math.min(options.maxContextSize, trainedContextSize ?? Number.POSITIVE_INFINITY);
  const createLong = async (cells: number) => {
    try {
      return await model.createContext(contextOptionsOf(contextOf(1, cells)));
    } catch (error) {
      throw new VigilModelError(
        `model '${options.model}': cannot create a context of ${cells} tokens for a long conversation (maxContextSize ${longLimit}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
  const long =
    longLimit > contextSize ? new LongContext(createLong, longLimit, longContextIdleMs) : undefined;
  const kvBytesPerToken = kvBytesPerTokenOf(model, context);
  const slots = Array.from({ length: concurrency }, () => slotOf(context.getSequence()));
  const stateCacheBytes = reuseCache ? (options.stateCacheBytes ?? defaultStateCacheBytes()) : 0;
  const vocabularySize = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 128_256;
  return {
    model,
    context,
    info: {
      id: `${modelPath}:${model.size}`,
      chatTemplate: model.fileInfo.metadata.tokenizer?.chat_template,
      contextSize,
      maxPromptTokens: (long?.limit ?? contextSize) - answerRoom,
      trainedContextSize,
      backend: backendOf(llama),
    },
    long,
    slots,
    pool: new SequencePool(slots, maxQueue),
    states:
      stateCacheBytes > 0
        ? new StateCache({ maxBytes: stateCacheBytes, bytesPerToken: kvBytesPerToken })
        : undefined,
    kvBytesPerToken,
    prompts: new PromptTokens(model),
    scorer: new SlotScorer({ answer, vocabularySize, reuseCache, chunkSize }),
  };
}
