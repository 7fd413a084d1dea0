import {
  type EngineModelInfo,
  type EngineTokenizer,
  type GuardEngine,
  type ScoreRequest,
  type ScoreResult,
  VigilAbortError,
  VigilDisposedError,
  VigilInputError,
  VigilModelError,
} from '@vigil/guard-core';
import type { PromptSegments } from '@vigil/guard-core/internal';
import {
  DecoderSession,
  type KvState,
  type MakeTensor,
  type OrtSession,
  release,
} from './decoder-session.js';
import { defaultDevice, type LoadProgress } from './options.js';
import { type AnswerTokens, answerTokensOf, type LoadedTokenizer, PromptTokens } from './prompt-tokens.js';

/** The most category codes decoded for one verdict (as the local engine). */
const maxCodes = 6;
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
  const prefixStates = new Map<string, { tokens: number[]; state: KvState }>();
  const totals = { calls: 0, promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0, prefixEvaluations: 0 };
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

  /** The policy prefix's cache, evaluated once per prefix and kept (the oldest dropped past {@link maxPrefixStates}). */
  async function prefixState(prefix: string, prefixTokens: number[]) {
    const found = prefixStates.get(prefix);
    if (found) {
      prefixStates.delete(prefix);
      prefixStates.set(prefix, found);
      return { state: found.state, cached: prefixTokens.length, evaluated: 0 };
    }
    const { state } = await decoder.forward(prefixTokens, decoder.empty, false);
    totals.prefixEvaluations++;
    prefixStates.set(prefix, { tokens: prefixTokens, state });
    if (prefixStates.size > maxPrefixStates) {
      const [oldest, entry] = prefixStates.entries().next().value as [string, { state: KvState }];
      prefixStates.delete(oldest);
      release(entry.state);
    }
    return { state, cached: 0, evaluated: prefixTokens.length };
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
    const prefix = await prefixState(prompt.prefix, prompt.prefixTokens);
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

  /**
   * Decodes the category line after `unsafe`, constrained to Llama Guard's format as the local
   * engine does: `\n` and `S` are fed; each code is the greedy choice among the known codes;
   * another follows only when the model's greedy next token is `,S`.
   */
  async function decodeCategories(after: KvState, request: ScoreRequest) {
    const codeTokens = answer.codeTokens(request.knownCodes);
    const codeOf = new Map([...codeTokens].map(([code, token]) => [token, code]));
    const allowed = [...codeTokens.values()];
    const held: KvState[] = [];
    const step = async (input: number[], state: KvState) => {
      throwIfAborted(request.signal);
      const result = await decoder.forward(input, state, true);
      held.push(result.state);
      return result;
    };
    try {
      const first = await step([answer.unsafe, answer.newline, answer.codePrefix], after);
      let categoryProbabilities: Record<string, number> | undefined;
      if (request.includeCategoryProbabilities) {
        const probabilities = softmaxOver(first.logits, allowed);
        categoryProbabilities = {};
        for (const [code, token] of codeTokens) categoryProbabilities[code] = probabilities.get(token) ?? 0;
      }
      const named: number[] = [];
      let token = argmax(first.logits, allowed);
      let state = first.state;
      let evaluated = 3;
      while (token !== undefined && codeOf.has(token) && !named.includes(token) && named.length < maxCodes) {
        named.push(token);
        if (answer.nextCode === undefined) break;
        const next = await step([token], state);
        evaluated++;
        if (argmax(next.logits) !== answer.nextCode) break;
        const code = await step([answer.nextCode], next.state);
        evaluated++;
        token = argmax(code.logits, allowed);
        state = code.state;
      }
      if (named.length === 0) throw new VigilModelError('model: no category code after "unsafe\\nS"');
      return { codes: named.map((code) => codeOf.get(code) as string), categoryProbabilities, evaluated };
    } finally {
      for (const state of held) release(state);
    }
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
        const decoded = await decodeCategories(prompt.state, request);
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
    for (const { state } of prefixStates.values()) release(state);
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
      prefixStates: prefixStates.size,
      graphKeepsLogits: decoder.keepsLogits ? 1 : 0,
    }),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** The token with the highest logit, among `among` when given. */
function argmax(logits: Float32Array, among?: readonly number[]): number | undefined {
  let best: number | undefined;
  let bestLogit = Number.NEGATIVE_INFINITY;
  const consider = (token: number) => {
    const logit = logits[token] ?? Number.NEGATIVE_INFINITY;
    if (logit > bestLogit) {
      bestLogit = logit;
      best = token;
    }
  };
  if (among) for (const token of among) consider(token);
  else for (let token = 0; token < logits.length; token++) consider(token);
  return best;
}

/** Softmax probabilities of `among` (default: every token), normalised over those tokens. */
function softmaxOver(logits: Float32Array, among?: readonly number[]): Map<number, number> {
  const ids = among ?? Array.from(logits.keys());
  let max = Number.NEGATIVE_INFINITY;
  for (const token of ids) max = Math.max(max, logits[token] ?? Number.NEGATIVE_INFINITY);
  let sum = 0;
  const exps = new Map<number, number>();
  for (const token of ids) {
    const value = Math.exp((logits[token] ?? Number.NEGATIVE_INFINITY) - max);
    exps.set(token, value);
    sum += value;
  }
  for (const [token, value] of exps) exps.set(token, value / sum);
  return exps;
}

function throwIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
}
