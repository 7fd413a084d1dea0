import type { ControlledEvaluateInputItem, LlamaContextSequence, Token, TokenBias } from 'node-llama-cpp';
import { VigilAbortError, VigilModelError } from '../../errors.js';
import { answerText } from '../answer-text.js';
import type { ScoreRequest, ScoreResult } from '../types.js';
import type { AnswerTokens } from './answer-tokens.js';
import { reportNativeSampler } from './native-garbage.js';
import { commonPrefixLength } from './sequence-pool.js';

type GenerateNext = NonNullable<Extract<ControlledEvaluateInputItem, unknown[]>[1]['generateNext']>;

/** The most category codes decoded for one verdict. */
const maxCodes = 6;
/** Tokens kept free after the prompt for the answer (`unsafe`, `\n`, `S`, codes and `,S`). */
export const answerRoom = 4 + 2 * maxCodes;

/** A context sequence and the tokens it holds. */
export interface Slot {
  readonly sequence: LlamaContextSequence;
  readonly tokens: readonly number[];
}

export function slotOf(sequence: LlamaContextSequence): Slot {
  return {
    sequence,
    get tokens() {
      return sequence.contextTokens;
    },
  };
}

export interface SlotScorerOptions {
  answer: AnswerTokens;
  /** Tokens in the model's vocabulary (what each native sampler allocates, see native-garbage.ts). */
  vocabularySize: number;
  /** Keep what a sequence holds and evaluate only what differs; `false` evaluates every prompt whole. */
  reuseCache: boolean;
  /** Tokens evaluated per native call; an abort takes effect between calls. */
  chunkSize: number;
}

/** What one prompt cost: tokens served from the sequence's cache and tokens evaluated. */
interface Evaluated {
  cached: number;
  evaluated: number;
}

/**
 * Scores Llama Guard prompts on a sequence: erases only what differs from what the sequence
 * already holds (the policy prefix, earlier turns, the part of a streamed answer already checked)
 * and evaluates the rest; P(unsafe) comes from the logits of one forward step (ADR 0001);
 * categories are decoded only when asked by the threshold.
 */
export class SlotScorer {
  readonly #options: SlotScorerOptions;

  constructor(options: SlotScorerOptions) {
    this.#options = options;
  }

  /** The verdict's probability, the codes when it reaches `request.threshold`, and the usage. */
  async score(slot: Slot, tokens: Token[], request: ScoreRequest): Promise<ScoreResult> {
    const verdict = await this.#verdict(slot, tokens, request.signal);
    return this.#withCodes(slot, tokens, request, verdict);
  }

  /** P(safe) + P(unsafe) after `tokens`, from the whole next-token distribution. */
  async verdictMass(slot: Slot, tokens: Token[]): Promise<number> {
    const { answer } = this.#options;
    const { next } = await this.#evaluatePrompt(slot, tokens, { probabilities: true }, undefined);
    return (next.probabilities?.get(answer.safe) ?? 0) + (next.probabilities?.get(answer.unsafe) ?? 0);
  }

  async #withCodes(
    slot: Slot,
    tokens: Token[],
    request: ScoreRequest,
    verdict: Evaluated & { unsafeProbability: number },
  ): Promise<ScoreResult> {
    let codes: string[] = [];
    let evaluated = verdict.evaluated;
    let categoryProbabilities: Record<string, number> | undefined;
    // Whether to decode codes, not whether the verdict is unsafe (see `ScoreRequest.threshold`).
    if (verdict.unsafeProbability >= request.threshold) {
      const decoded = await this.#categories(slot, request);
      codes = decoded.codes;
      evaluated += decoded.evaluated;
      categoryProbabilities = decoded.categoryProbabilities;
    }
    return {
      unsafeProbability: verdict.unsafeProbability,
      probabilitySource: 'logprobs',
      codes,
      raw: answerText(codes),
      categoryProbabilities,
      usage: { promptTokens: tokens.length, evaluatedTokens: evaluated, cachedTokens: verdict.cached },
    };
  }

  /** `controlledEvaluate`, reporting the native sampler it allocates (see native-garbage.ts). */
  #evaluate(sequence: LlamaContextSequence, input: ControlledEvaluateInputItem[]) {
    reportNativeSampler(this.#options.vocabularySize);
    return sequence.controlledEvaluate(input);
  }

  /**
   * Brings a sequence to `tokens`: erases only what differs from what it holds, evaluates the
   * rest, and returns what `generateNext` asked for after the last token.
   */
  async #evaluatePrompt(
    slot: Slot,
    tokens: Token[],
    generateNext: GenerateNext,
    signal: AbortSignal | undefined,
  ) {
    const { reuseCache, chunkSize } = this.#options;
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
      await this.#evaluate(sequence, rest.slice(start, start + chunkSize));
    }
    throwIfAborted(signal);
    const input: ControlledEvaluateInputItem[] = rest.slice(start, -1);
    input.push([rest.at(-1) as Token, { generateNext }]);
    const results = await this.#evaluate(sequence, input);
    const next = results[input.length - 1]?.next;
    if (!next) throw new VigilModelError('model: no next-token distribution after the prompt');
    return { next, cached: common, evaluated: rest.length };
  }

  /** P(unsafe) / (P(safe) + P(unsafe)) after the prompt, from one forward step (ADR 0001). */
  async #verdict(slot: Slot, tokens: Token[], signal: AbortSignal | undefined) {
    const { answer } = this.#options;
    const { next, cached, evaluated } = await this.#evaluatePrompt(
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
  async #categories(slot: Slot, request: ScoreRequest) {
    const { answer } = this.#options;
    const { sequence } = slot;
    const codes = answer.codeBias(request.knownCodes);
    const sample = async (input: ControlledEvaluateInputItem[], bias?: TokenBias, probabilities = false) => {
      throwIfAborted(request.signal);
      const last = input.length - 1;
      const options = bias ? { tokenBias: bias } : {};
      input[last] = [input[last] as Token, { generateNext: { token: true, probabilities, options } }];
      const results = await this.#evaluate(sequence, input);
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
}

export function throwIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
}
