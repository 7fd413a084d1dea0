import {
  type EngineModelInfo,
  type EngineTokenizer,
  type GuardEngine,
  type ScoreRequest,
  type ScoreResult,
  VigilDisposedError,
  VigilInputError,
  VigilModelError,
} from '@vigil/guard-core';
import type { PromptSegments } from '@vigil/guard-core/internal';
import { decodeCategories, maxCodes, throwIfAborted } from './decode-categories.js';
import { DecoderSession, type MakeTensor, type OrtSession, release } from './decoder-session.js';
import { softmaxOver } from './logits.js';
import { defaultDevice, type LoadProgress } from './options.js';
import { PrefixStates } from './prefix-states.js';
import { type AnswerTokens, answerTokensOf, type LoadedTokenizer, PromptTokens } from './prompt-tokens.js';

/** Tokens kept free after the prompt for the answer (`unsafe`, `\n`, `S`, codes and `,S`). */
const answerRoom = 4 + 2 * maxCodes;
/** Policy prefixes whose KV cache is kept (one per policy a guard uses). */
const maxPrefixStates = 8;

interface ParsedOptions {
  model: string;
  contextSize: number;
  dtype?: string | undefined;
  device?: 'wasm' | 'webgpu' | 'cpu' | undefined;
  onProgress?: ((progress: LoadProgress) => void) | undefined;
}

interface LoadedModel {
  config: Record<string, unknown>;
  sessions: Record<string, unknown>;
  dispose(): Promise<unknown>;
}

/** The model's Transformers.js progress events mapped to {@link LoadProgress}. */
function progressCallback(onProgress: ((progress: LoadProgress) => void) | undefined) {
  if (!onProgress) return undefined;
  return (info: { status: string; file?: string; loaded?: number; total?: number }) => {
    if (info.file === undefined) return;
    if (info.status === 'progress') {
      onProgress({ file: info.file, loaded: info.loaded ?? 0, total: info.total ?? 0, done: false });
    } else if (info.status === 'done') {
      onProgress({
        file: info.file,
        loaded: info.total ?? info.loaded ?? 0,
        total: info.total ?? 0,
        done: true,
      });
    }
  };
}

const numberOf = (config: Record<string, unknown>, key: string, fallback?: number): number => {
  const value = config[key];
  if (typeof value === 'number') return value;
  if (fallback !== undefined) return fallback;
  throw new VigilModelError(`model: config.json has no number ${key}`);
};

/** Runs one task at a time, in call order: a page runs one ONNX session at a time. */
class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  idle(): Promise<unknown> {
    return this.#tail;
  }
}

/** Loads the tokenizer and the model through Transformers.js (imported on first use). */
async function load(options: ParsedOptions) {
  const transformers = await import('@huggingface/transformers');
  const device = options.device ?? defaultDevice();
  const progress_callback = progressCallback(options.onProgress);
  try {
    const tokenizer = (await transformers.AutoTokenizer.from_pretrained(options.model, {
      progress_callback,
    })) as unknown as LoadedTokenizer;
    const model = (await transformers.AutoModelForCausalLM.from_pretrained(options.model, {
      progress_callback,
      device,
      ...(options.dtype ? { dtype: options.dtype as 'fp32' } : {}),
    })) as unknown as LoadedModel;
    const makeTensor: MakeTensor = (type, data, dims) =>
      new transformers.Tensor(type, data as never, dims).ort_tensor as never;
    return { tokenizer, model, makeTensor, device };
  } catch (error) {
    throw new VigilModelError(
      `model '${options.model}': cannot load it with Transformers.js: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The Transformers.js engine: Llama Guard on ONNX Runtime (WebGPU or WASM in browsers, the CPU in
 * Node), with the local engine's method: P(unsafe) from the first answer token's logits, codes by
 * constrained greedy steps, the policy prefix's KV cache kept and reused.
 */
export async function openTransformersEngine(options: ParsedOptions): Promise<GuardEngine> {
  const { tokenizer, model, makeTensor, device } = await load(options);
  const config = model.config;
  let decoder: DecoderSession;
  let tokens: PromptTokens;
  let answer: AnswerTokens;
  let trainedContextSize: number;
  try {
    const session = model.sessions.model as OrtSession | undefined;
    if (!session)
      throw new VigilModelError(`model '${options.model}': expected a decoder session named model`);
    const heads = numberOf(config, 'num_attention_heads');
    decoder = new DecoderSession(session, makeTensor, {
      kvHeads: numberOf(config, 'num_key_value_heads', heads),
      headDim: numberOf(config, 'head_dim', numberOf(config, 'hidden_size') / heads),
      vocabularySize: numberOf(config, 'vocab_size'),
    });
    tokens = new PromptTokens(tokenizer);
    answer = answerTokensOf(tokens);
    trainedContextSize = numberOf(config, 'max_position_embeddings');
  } catch (error) {
    // Not a model this engine can run: free what was loaded.
    await model.dispose().catch(() => undefined);
    throw error;
  }
  const contextSize = Math.min(options.contextSize, trainedContextSize);
  const maxPromptTokens = contextSize - answerRoom;
  const queue = new SerialQueue();
  const prefixStates = new PrefixStates(decoder, maxPrefixStates);
  const totals = { calls: 0, promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 };
  let disposed = false;

  const info: EngineModelInfo = {
    id: `transformers:${options.model}:${options.dtype ?? 'default'}:${device}`,
    chatTemplate: typeof tokenizer.chat_template === 'string' ? tokenizer.chat_template : undefined,
    contextSize,
    maxPromptTokens,
    trainedContextSize,
  };

  function promptTokens({ prefix, conversation, tail }: PromptSegments) {
    const prefixTokens = tokens.special(prefix);
    const rest = tokens.plain(conversation).concat(tokens.special(tail));
    return { prefix, prefixTokens, rest, length: prefixTokens.length + rest.length };
  }

  /** The next-token logits after the whole prompt, and the cache holding it. */
  async function evaluatePrompt(segments: PromptSegments, signal: AbortSignal | undefined) {
    const prompt = promptTokens(segments);
    if (prompt.length > maxPromptTokens) {
      throw new VigilInputError(
        `classify: the conversation is too long: the prompt takes ${prompt.length} tokens and the longest is ${contextSize} (${answerRoom} kept for the answer; contextSize ${options.contextSize}, trained context ${trainedContextSize}); send fewer turns, or use longConversation: 'truncate'`,
      );
    }
    throwIfAborted(signal);
    const prefix = await prefixStates.get(prompt.prefix, prompt.prefixTokens);
    throwIfAborted(signal);
    const { state, logits } = await decoder.forward(prompt.rest, prefix.state, true);
    return {
      state,
      logits,
      promptTokens: prompt.length,
      cached: prefix.cached,
      evaluated: prefix.evaluated + prompt.rest.length,
    };
  }

  async function scoreNow(request: ScoreRequest): Promise<ScoreResult> {
    const prompt = await evaluatePrompt(request.segments, request.signal);
    try {
      // P(unsafe) / (P(safe) + P(unsafe)) for the first answer token (ADR 0001).
      const margin = (prompt.logits[answer.unsafe] ?? 0) - (prompt.logits[answer.safe] ?? 0);
      const unsafeProbability = 1 / (1 + Math.exp(-margin));
      let codes: string[] = [];
      let evaluated = prompt.evaluated;
      let categoryProbabilities: Record<string, number> | undefined;
      if (unsafeProbability >= request.threshold) {
        const decoded = await decodeCategories(decoder, answer, prompt.state, request);
        codes = decoded.codes;
        evaluated += decoded.evaluated;
        categoryProbabilities = decoded.categoryProbabilities;
      }
      const usage = {
        promptTokens: prompt.promptTokens,
        evaluatedTokens: evaluated,
        cachedTokens: prompt.cached,
      };
      totals.calls++;
      totals.promptTokens += usage.promptTokens;
      totals.evaluatedTokens += usage.evaluatedTokens;
      totals.cachedTokens += usage.cachedTokens;
      return {
        unsafeProbability,
        probabilitySource: 'logprobs',
        codes,
        raw: codes.length === 0 ? 'safe' : `unsafe\n${codes.join(',')}`,
        categoryProbabilities,
        usage,
      };
    } finally {
      release(prompt.state);
    }
  }

  const throwIfDisposed = () => {
    if (disposed) throw new VigilDisposedError('transformers engine: used after dispose()');
  };

  const tokenizerApi: EngineTokenizer = {
    tokenize: async (text) => tokens.plain(text),
    detokenize: (list) => tokens.detokenize(list),
    promptTokens: async (segments) => promptTokens(segments).length,
  };

  async function dispose() {
    if (disposed) return;
    disposed = true;
    await queue.idle().catch(() => undefined);
    prefixStates.clear();
    await model.dispose();
  }

  return {
    model: info,
    tokenizer: tokenizerApi,
    async score(request) {
      throwIfDisposed();
      return queue.run(() => {
        throwIfDisposed();
        throwIfAborted(request.signal);
        return scoreNow(request);
      });
    },
    async verdictMass(segments) {
      throwIfDisposed();
      return queue.run(async () => {
        throwIfDisposed();
        const prompt = await evaluatePrompt(segments, undefined);
        release(prompt.state);
        const probabilities = softmaxOver(prompt.logits);
        return (probabilities.get(answer.safe) ?? 0) + (probabilities.get(answer.unsafe) ?? 0);
      });
    },
    stats: () => ({
      ...totals,
      prefixEvaluations: prefixStates.evaluations,
      prefixStates: prefixStates.size,
      graphKeepsLogits: decoder.keepsLogits ? 1 : 0,
    }),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
