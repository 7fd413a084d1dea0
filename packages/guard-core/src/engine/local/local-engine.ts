import type {
  ControlledEvaluateInputItem,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
  TokenBias,
} from 'node-llama-cpp';
import { VigilAbortError, VigilDisposedError, VigilInputError, VigilModelError } from '../../errors.js';
import type { PromptSegments } from '../../prompt/renderer.js';
import { answerText } from '../answer-text.js';
import type {
  EngineMemory,
  EngineModelInfo,
  EngineTokenizer,
  GuardEngine,
  ScoreRequest,
  ScoreResult,
} from '../types.js';
import { AnswerTokens } from './answer-tokens.js';
import { backendOf, getSharedLlama, resolveThreads } from './llama.js';
import { LongContext } from './long-context.js';
import { resolveModel } from './model-file.js';
import { reportNativeSampler } from './native-garbage.js';
import { contextOptionsOf, openModel } from './open-model.js';
import type { ResolvedLocalEngineOptions } from './runtime-options.js';
import { commonPrefixLength, SequencePool } from './sequence-pool.js';
import { defaultStateCacheBytes, StateCache } from './state-cache.js';
import { tokenizeChunked } from './tokenize-chunked.js';

type GenerateNext = NonNullable<Extract<ControlledEvaluateInputItem, unknown[]>[1]['generateNext']>;

/** The most category codes decoded for one verdict. */
const maxCodes = 6;
/** Tokens kept free after the prompt for the answer (`unsafe`, `\n`, `S`, codes and `,S`). */
const answerRoom = 4 + 2 * maxCodes;
/** A long context unused this long is freed. */
const longContextIdleMs = 30_000;

interface Slot {
  readonly sequence: LlamaContextSequence;
  readonly tokens: readonly number[];
}

/**
 * The in-process engine: Llama Guard through node-llama-cpp, one model and one context with a
 * pool of sequences. Each call erases only what differs from what its sequence already holds
 * (the policy prefix, earlier turns, the part of a streamed answer already checked) and evaluates
 * the rest; P(unsafe) comes from the logits of one forward step; categories are decoded only for
 * unsafe verdicts.
 */
export async function createLocalEngine(options: ResolvedLocalEngineOptions): Promise<GuardEngine> {
  const { contextSize: wantedContextSize, concurrency, maxQueue, batchSize } = options;
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
  const { chunkSize, reuseCache } = options;
  const contextSize = context.contextSize;
  const trainedContextSize = model.trainContextSize > 0 ? model.trainContextSize : undefined;
  const longLimit = Math.min(options.maxContextSize, trainedContextSize ?? Number.POSITIVE_INFINITY);
  const long =
    longLimit > contextSize
      ? new LongContext(
          async (cells) => {
            try {
              return await model.createContext(contextOptionsOf(contextOf(1, cells)));
            } catch (error) {
              throw new VigilModelError(
                `model '${options.model}': cannot create a context of ${cells} tokens for a long conversation (maxContextSize ${longLimit}): ${(error as Error).message}`,
                { cause: error },
              );
            }
          },
          longLimit,
          longContextIdleMs,
        )
      : undefined;
  const maxPromptTokens = (long?.limit ?? contextSize) - answerRoom;
  const kvBytesPerToken = kvBytesPerTokenOf(model, context);
  const slots: Slot[] = [];
  for (let index = 0; index < concurrency; index++) {
    const sequence = context.getSequence();
    slots.push({
      sequence,
      get tokens() {
        return sequence.contextTokens;
      },
    });
  }
  const pool = new SequencePool(slots, maxQueue);
  const stateCacheBytes = reuseCache ? (options.stateCacheBytes ?? defaultStateCacheBytes()) : 0;
  const states =
    stateCacheBytes > 0
      ? new StateCache({ maxBytes: stateCacheBytes, bytesPerToken: kvBytesPerToken })
      : undefined;
  const specialTokens = new Map<string, Token[]>();
  const tokenizeSpecial = (text: string) => {
    let tokens = specialTokens.get(text);
    if (!tokens) {
      tokens = model.tokenize(text, true);
      if (specialTokens.size > 256) specialTokens.clear();
      specialTokens.set(text, tokens);
    }
    return tokens;
  };
  const totals = { calls: 0, promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 };
  let disposed = false;

  const vocabularySize = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 128_256;
  /** `controlledEvaluate`, reporting the native sampler it allocates (see native-garbage.ts). */
  const evaluate = (sequence: LlamaContextSequence, input: ControlledEvaluateInputItem[]) => {
    reportNativeSampler(vocabularySize);
    return sequence.controlledEvaluate(input);
  };

  const info: EngineModelInfo = {
    id: `${modelPath}:${model.size}`,
    chatTemplate: model.fileInfo.metadata.tokenizer?.chat_template,
    contextSize,
    maxPromptTokens,
    trainedContextSize,
    backend: backendOf(llama),
  };
  const tokenizeText = (text: string) => tokenizeChunked(text, (piece) => model.tokenize(piece, false));
  const conversationTokens = async (text: string) =>
    text.length <= 4096 ? model.tokenize(text, false) : tokenizeText(text);
  const tokenizer: EngineTokenizer = {
    tokenize: tokenizeText,
    detokenize: (tokens) => model.detokenize(tokens as Token[]),
    async promptTokens(segments) {
      return (await promptTokens(segments)).tokens.length;
    },
  };

  /**
   * Brings a sequence to `tokens`: erases only what differs from what it holds, evaluates the
   * rest, and returns what `generateNext` asked for after the last token.
   */
  async function evaluatePrompt(
    slot: Slot,
    tokens: Token[],
    generateNext: GenerateNext,
    signal: AbortSignal | undefined,
  ) {
    const { sequence } = slot;
    let common = reuseCache ? commonPrefixLength(sequence.contextTokens, tokens) : 0;
    // The verdict needs the logits after the last prompt token: evaluate at least that one.
    if (common === tokens.length) common--;
    if (common < sequence.nextTokenIndex) {
      await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }]);
    }
    const rest = tokens.slice(common);
    // One native call for the whole rest when it fits a chunk (the verdict's logits come with
    // it); longer rests go in chunks so that an abort takes effect between them.
    let start = 0;
    for (; rest.length - start > chunkSize; start += chunkSize) {
      throwIfAborted(signal);
      await evaluate(sequence, rest.slice(start, start + chunkSize));
    }
    throwIfAborted(signal);
    const input: ControlledEvaluateInputItem[] = rest.slice(start, -1);
    input.push([rest.at(-1) as Token, { generateNext }]);
    const results = await evaluate(sequence, input);
    const next = results[input.length - 1]?.next;
    if (!next) throw new VigilModelError('model: no next-token distribution after the prompt');
    return { next, cached: common, evaluated: rest.length };
  }

  /** P(unsafe) / (P(safe) + P(unsafe)) after the prompt, from one forward step (ADR 0001). */
  async function scoreVerdict(slot: Slot, tokens: Token[], signal: AbortSignal | undefined) {
    const { next, cached, evaluated } = await evaluatePrompt(
      slot,
      tokens,
      { token: true, confidence: true, options: { tokenBias: answer.verdictBias } },
      signal,
    );
    if (next.token == null || next.confidence == null) {
      throw new VigilModelError('model: no next-token distribution after the prompt');
    }
    const unsafeProbability = next.token === answer.unsafe ? next.confidence : 1 - next.confidence;
    return { unsafeProbability, cached, evaluated };
  }

  /**
   * Decodes the category line after a verdict of `unsafe`, constrained to Llama Guard's own format
   * (`S<code>` then `,S<code>` ... then end of turn): the known `\n` and `S` are fed, not
   * sampled; each code is the model's greedy choice among the known codes; after each, another
   * follows only when the model's greedy next token is `,S`. At most {@link maxCodes} codes.
   */
  async function decodeCategories(slot: Slot, request: ScoreRequest) {
    const { sequence } = slot;
    const codes = answer.codeBias(request.knownCodes);
    const sample = async (input: ControlledEvaluateInputItem[], bias?: TokenBias, probabilities = false) => {
      throwIfAborted(request.signal);
      const last = input.length - 1;
      const options = bias ? { tokenBias: bias } : {};
      input[last] = [input[last] as Token, { generateNext: { token: true, probabilities, options } }];
      const results = await evaluate(sequence, input);
      return results[last]?.next;
    };
    const first = await sample(
      [answer.unsafe, answer.newline, answer.codePrefix],
      codes.bias,
      request.includeCategoryProbabilities,
    );
    let categoryProbabilities: Record<string, number> | undefined;
    if (first?.probabilities) {
      categoryProbabilities = {};
      for (const [code, token] of codes.tokens)
        categoryProbabilities[code] = first.probabilities.get(token) ?? 0;
    }
    const named: Token[] = [];
    let token = first?.token;
    let evaluated = 3;
    while (token != null && codes.codeOf.has(token) && !named.includes(token) && named.length < maxCodes) {
      named.push(token);
      if (answer.nextCode === undefined) break;
      const next = await sample([token]);
      evaluated++;
      if (next?.token !== answer.nextCode) break;
      token = (await sample([answer.nextCode], codes.bias))?.token;
      evaluated++;
    }
    if (named.length === 0) throw new VigilModelError('model: no category code after "unsafe\\nS"');
    return { codes: named.map((code) => codes.codeOf.get(code) as string), categoryProbabilities, evaluated };
  }

  /**
   * Prompts tokenized, by segments object: a prompt measured (`tokenizer.promptTokens`, to fit a
   * long conversation) and then scored is tokenized once, however many calls run at once.
   */
  const tokenized = new WeakMap<PromptSegments, ReturnType<typeof tokenizePrompt>>();
  function promptTokens(segments: PromptSegments) {
    let found = tokenized.get(segments);
    if (!found) {
      found = tokenizePrompt(segments);
      tokenized.set(segments, found);
    }
    return found;
  }

  async function tokenizePrompt({ prefix, conversation, tail }: PromptSegments) {
    const prefixTokens = tokenizeSpecial(prefix);
    const middle = await conversationTokens(conversation);
    const tokens = prefixTokens.concat(middle, tokenizeSpecial(tail));
    return { prefixTokens, tokens, conversationEnd: prefixTokens.length + middle.length };
  }

  async function verdictMass(segments: PromptSegments) {
    const { prefixTokens, tokens } = await promptTokens(segments);
    const slot = await pool.acquire(tokens, prefixTokens.length);
    try {
      // The whole next-token distribution (node-llama-cpp 3.21.1 has no cheaper reading of the
      // softmax's denominator; 3.22's `totalLogitWeight` is one, see ADR 0015).
      const { next } = await evaluatePrompt(slot, tokens, { probabilities: true }, undefined);
      return (next.probabilities?.get(answer.safe) ?? 0) + (next.probabilities?.get(answer.unsafe) ?? 0);
    } finally {
      pool.release(slot);
    }
  }

  async function score(request: ScoreRequest): Promise<ScoreResult> {
    if (disposed) throw new VigilDisposedError('local engine: the engine was disposed');
    const { prefixTokens, tokens, conversationEnd } = await promptTokens(request.segments);
    if (tokens.length + answerRoom > contextSize) {
      if (!long || tokens.length > maxPromptTokens) {
        throw new VigilInputError(
          `classify: the conversation is too long: the prompt takes ${tokens.length} tokens and the longest context is ${long?.limit ?? contextSize} (${answerRoom} kept for the answer; contextSize ${contextSize}, maxContextSize ${options.maxContextSize}, trained context ${trainedContextSize ?? 'unknown'}); raise maxContextSize, send fewer turns, or use longConversation: 'truncate'`,
        );
      }
      throwIfAborted(request.signal);
      return long.run(tokens.length + answerRoom, (sequence) =>
        scoreOn({ sequence, tokens: sequence.contextTokens }, tokens, request),
      );
    }
    const slot = await pool.acquire(tokens, prefixTokens.length, request.signal);
    try {
      // A save of the conversation this sequence held last may still be running.
      await states?.settled(slot.sequence);
      await states?.restore(slot.sequence, tokens);
      const result = await scoreOn(slot, tokens, request);
      // The verdict goes out now; the state is saved in the background.
      if (states?.worthSaving(slot.sequence, conversationEnd, prefixTokens.length)) {
        states.saveInBackground(slot.sequence, conversationEnd);
      }
      return result;
    } finally {
      pool.release(slot);
    }
  }

  async function scoreOn(slot: Slot, tokens: Token[], request: ScoreRequest): Promise<ScoreResult> {
    const verdict = await scoreVerdict(slot, tokens, request.signal);
    let codes: string[] = [];
    let evaluated = verdict.evaluated;
    let categoryProbabilities: Record<string, number> | undefined;
    // Whether to decode codes, not whether the verdict is unsafe (see `ScoreRequest.threshold`).
    if (verdict.unsafeProbability >= request.threshold) {
      const decoded = await decodeCategories(slot, request);
      codes = decoded.codes;
      evaluated += decoded.evaluated;
      categoryProbabilities = decoded.categoryProbabilities;
    }
    const usage = { promptTokens: tokens.length, evaluatedTokens: evaluated, cachedTokens: verdict.cached };
    totals.calls++;
    totals.promptTokens += usage.promptTokens;
    totals.evaluatedTokens += usage.evaluatedTokens;
    totals.cachedTokens += usage.cachedTokens;
    return {
      unsafeProbability: verdict.unsafeProbability,
      probabilitySource: 'logprobs',
      codes,
      raw: answerText(codes),
      categoryProbabilities,
      usage,
    };
  }

  function memory(): EngineMemory {
    const cells = context.contextSize * concurrency;
    return {
      weights: model.size,
      kvCache: cells * kvBytesPerToken,
      longContextKvCache: (long?.cells ?? 0) * kvBytesPerToken,
      kvBytesPerToken,
      stateCache: states?.bytes ?? 0,
    };
  }

  return {
    model: info,
    score,
    verdictMass,
    memory,
    tokenizer,
    stats: () => ({
      ...totals,
      modelBytes: model.size,
      sequences: slots.length,
      freeSequences: pool.free,
      waiting: pool.waiting,
      ...(states ? stateStats(states) : {}),
    }),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };

  async function dispose() {
    if (disposed) return;
    disposed = true;
    pool.close();
    await states?.dispose();
    await long?.dispose();
    await context.dispose();
    await model.dispose();
  }
}

/** KV bytes per token: layers x KV heads x (key + value length) x the cache type's bytes per value. */
function kvBytesPerTokenOf(model: LlamaModel, context: LlamaContext) {
  const metadata = model.fileInfo.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
  const architecture = metadata[String(model.fileInfo.metadata.general.architecture)] ?? {};
  const attention = (architecture.attention ?? {}) as Record<string, unknown>;
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const embedding = number(architecture.embedding_length, 0);
  const heads = number(attention.head_count, 1);
  const kvHeads = number(attention.head_count_kv, heads);
  const headSize = heads > 0 ? embedding / heads : 0;
  const keyLength = number(attention.key_length, headSize);
  const valueLength = number(attention.value_length, headSize);
  const layers = number(architecture.block_count, 0);
  const bytes = (type: number) => bytesPerValue[type] ?? 2;
  return (
    layers *
    kvHeads *
    (keyLength * bytes(context.kvCacheKeyType) + valueLength * bytes(context.kvCacheValueType))
  );
}

/** Bytes per value of GGML's KV cache types (F32 0, F16 1, Q4_0 2, Q4_1 3, Q5_0 6, Q5_1 7, Q8_0 8, BF16 30). */
const bytesPerValue: Record<number, number> = {
  0: 4,
  1: 2,
  2: 18 / 32,
  3: 20 / 32,
  6: 22 / 32,
  7: 24 / 32,
  8: 34 / 32,
  30: 2,
};

function stateStats(states: StateCache) {
  const { saves, saveFailures, saveMs, restores, restoreFailures, restoredTokens, restoreMs, evictions } =
    states.stats;
  return {
    stateCacheBytes: states.bytes,
    stateCacheBudget: states.maxBytes,
    stateCacheEntries: states.entries,
    stateSaves: saves,
    stateSaveFailures: saveFailures,
    stateSaveMs: Math.round(saveMs),
    stateRestores: restores,
    stateRestoreFailures: restoreFailures,
    stateRestoredTokens: restoredTokens,
    stateRestoreMs: Math.round(restoreMs),
    stateEvictions: evictions,
  };
}

function throwIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
}
