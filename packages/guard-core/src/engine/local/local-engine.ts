import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { VigilAbortError, VigilInputError, VigilModelError } from '../../errors.js';
import type { EngineModelInfo, GuardEngine, ScoreRequest, ScoreResult } from '../types.js';
import { AnswerTokens } from './answer-tokens.js';
import { getSharedLlama, resolveThreads } from './llama.js';
import { type DownloadProgress, resolveModel } from './model-file.js';
import { commonPrefixLength, SequencePool } from './sequence-pool.js';

export interface LocalEngineOptions {
  /** A local GGUF path or an `hf:` URI. */
  model: string;
  modelsDir?: string | undefined;
  onDownloadProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** Defaults to the physical core count. */
  threads?: number | undefined;
  /** Tokens per sequence. Defaults to `4096`. */
  contextSize?: number | undefined;
  /** Sequences (calls evaluated at once). Defaults to `4`. */
  concurrency?: number | undefined;
  /** Calls allowed to wait for a sequence. Defaults to `1024`. */
  maxQueue?: number | undefined;
  /**
   * Reuse what a sequence's KV cache already holds (policy prefix, earlier turns). `false`
   * evaluates every prompt whole: only for comparisons. Defaults to `true`.
   */
  reuseCache?: boolean | undefined;
  /** Tokens evaluated per native call; a pending abort is honoured between chunks. Defaults to 256. */
  chunkSize?: number | undefined;
}

/** Tokens kept free after the prompt for the answer (`unsafe`, `\n`, codes, end of turn). */
const answerRoom = 24;

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
export async function createLocalEngine(options: LocalEngineOptions): Promise<GuardEngine> {
  const { contextSize: wantedContextSize = 4096, concurrency = 4, maxQueue = 1024 } = options;
  const llama = await getSharedLlama();
  const modelPath = await resolveModel(options.model, {
    modelsDir: options.modelsDir,
    onDownloadProgress: options.onDownloadProgress,
  });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath });
  } catch (error) {
    throw new VigilModelError(
      `model '${options.model}': cannot load '${modelPath}': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: concurrency,
      contextSize: wantedContextSize,
      threads: resolveThreads(llama, options.threads),
      batchSize: Math.min(512, wantedContextSize),
    });
  } catch (error) {
    await model.dispose();
    throw new VigilModelError(
      `model '${options.model}': cannot create a context of ${wantedContextSize} tokens x ${concurrency} sequences: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const answer = AnswerTokens.forModel(model);
  const chunkSize = options.chunkSize ?? 256;
  const reuseCache = options.reuseCache ?? true;
  const contextSize = context.contextSize;
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

  const info: EngineModelInfo = {
    id: `${modelPath}:${model.size}`,
    chatTemplate: model.fileInfo.metadata.tokenizer?.chat_template,
    contextSize,
  };

  async function evaluatePrompt(slot: Slot, tokens: Token[], request: ScoreRequest) {
    const { sequence } = slot;
    let common = reuseCache ? commonPrefixLength(sequence.contextTokens, tokens) : 0;
    // The verdict needs the logits after the last prompt token: evaluate at least that one.
    if (common === tokens.length) common--;
    if (common < sequence.nextTokenIndex) {
      await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }]);
    }
    const rest = tokens.slice(common);
    for (let start = 0; start < rest.length - 1; start += chunkSize) {
      throwIfAborted(request.signal);
      await sequence.controlledEvaluate(rest.slice(start, Math.min(start + chunkSize, rest.length - 1)));
    }
    throwIfAborted(request.signal);
    const last = rest.at(-1) as Token;
    const [output] = (await sequence.controlledEvaluate([
      [last, { generateNext: { token: true, confidence: true, options: { tokenBias: answer.verdictBias } } }],
    ])) as [{ next: { token?: Token | null; confidence?: number } } | undefined];
    const next = output?.next;
    if (next?.token == null || next.confidence == null) {
      throw new VigilModelError('model: no next-token distribution after the prompt');
    }
    const unsafeProbability = next.token === answer.unsafe ? next.confidence : 1 - next.confidence;
    return { unsafeProbability, cached: common, evaluated: rest.length };
  }

  async function decodeCategories(slot: Slot, request: ScoreRequest) {
    const { sequence } = slot;
    const codeBias = answer.codeBias(request.knownCodes);
    const [, , first] = (await sequence.controlledEvaluate([
      answer.unsafe,
      answer.newline,
      [
        answer.codePrefix,
        {
          generateNext: {
            token: true,
            probabilities: request.includeCategoryProbabilities,
            options: { tokenBias: codeBias.bias },
          },
        },
      ],
    ])) as [
      undefined,
      undefined,
      { next: { token?: Token | null; probabilities?: Map<Token, number> } } | undefined,
    ];
    const codeToken = first?.next.token;
    if (codeToken == null) throw new VigilModelError('model: no category token after "unsafe\\nS"');
    let categoryProbabilities: Record<string, number> | undefined;
    if (first?.next.probabilities) {
      categoryProbabilities = {};
      for (const [code, token] of codeBias.tokens) {
        categoryProbabilities[code] = first.next.probabilities.get(token) ?? 0;
      }
    }
    // The rest of the line (`,S10`, ...) is the model's own greedy text, up to the end of turn.
    const answerTokens: Token[] = [codeToken];
    let evaluated = 3;
    let token: Token = codeToken;
    while (answerTokens.length < answerRoom - 4) {
      throwIfAborted(request.signal);
      const [output] = (await sequence.controlledEvaluate([[token, { generateNext: { token: true } }]])) as [
        { next: { token?: Token | null } } | undefined,
      ];
      evaluated++;
      const next = output?.next.token;
      if (next == null || model.isEogToken(next)) break;
      answerTokens.push(next);
      token = next;
    }
    const text = `unsafe\nS${model.detokenize(answerTokens)}`;
    return { text, categoryProbabilities, evaluated };
  }

  async function score(request: ScoreRequest): Promise<ScoreResult> {
    if (disposed) throw new VigilModelError('model: the engine was disposed');
    const { prefix, conversation, tail } = request.segments;
    const tokens = [
      ...tokenizeSpecial(prefix),
      ...model.tokenize(conversation, false),
      ...tokenizeSpecial(tail),
    ];
    if (tokens.length + answerRoom > contextSize) {
      throw new VigilInputError(
        `classify: the conversation is too long: the prompt takes ${tokens.length} tokens and the context holds ${contextSize} (${answerRoom} kept for the answer); raise contextSize or send fewer turns`,
      );
    }
    const slot = await pool.acquire(tokens, request.signal);
    try {
      const verdict = await evaluatePrompt(slot, tokens, request);
      let text = 'safe';
      let evaluated = verdict.evaluated;
      let categoryProbabilities: Record<string, number> | undefined;
      if (verdict.unsafeProbability >= request.threshold) {
        const decoded = await decodeCategories(slot, request);
        text = decoded.text;
        evaluated += decoded.evaluated;
        categoryProbabilities = decoded.categoryProbabilities;
      }
      const usage = { promptTokens: tokens.length, evaluatedTokens: evaluated, cachedTokens: verdict.cached };
      totals.calls++;
      totals.promptTokens += usage.promptTokens;
      totals.evaluatedTokens += usage.evaluatedTokens;
      totals.cachedTokens += usage.cachedTokens;
      return { unsafeProbability: verdict.unsafeProbability, text, categoryProbabilities, usage };
    } finally {
      pool.release(slot);
    }
  }

  return {
    model: info,
    score,
    stats: () => ({
      ...totals,
      sequences: slots.length,
      freeSequences: pool.free,
      waiting: pool.waiting,
    }),
    async dispose() {
      if (disposed) return;
      disposed = true;
      pool.close();
      await context.dispose();
      await model.dispose();
    },
  };
}

function throwIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
}
