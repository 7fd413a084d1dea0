import { VigilModelError } from '@vigil/guard-core';
import { halfToFloat } from './half-float.js';

/** The parts of an ONNX Runtime tensor this engine reads (onnxruntime-common's `Tensor`). */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  readonly location?: string;
  dispose?(): void;
}

/** The parts of an ONNX Runtime `InferenceSession` this engine uses. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly { name: string; type?: string; shape?: readonly (number | string)[] }[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
}

/** Makes an ONNX Runtime tensor (through Transformers.js's `Tensor`, whichever runtime it bundles). */
export type MakeTensor = (
  type: 'int64' | 'float32' | 'float16',
  data: ArrayLike<unknown>,
  dims: number[],
) => OrtTensor;

/** Tokens per run: a longer input goes in several, each against the cache of the ones before. */
export const chunkTokens = 256;

/** The KV cache after some tokens: `past_key_values.*` tensors and how many tokens they hold. */
export interface KvState {
  readonly length: number;
  readonly tensors: Readonly<Record<string, OrtTensor>>;
}

export interface DecoderShape {
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocabularySize: number;
}

/**
 * Runs a decoder exported as optimum exports them (`input_ids`, `attention_mask`,
 * `position_ids`, `past_key_values.N.key|value` in, `logits` and `present.N.key|value` out),
 * fetching the logits of the last position only: through `num_logits_to_keep` when the graph has
 * it, else in two runs (all tokens but the last fetching only the cache, then the last one).
 */
export class DecoderSession {
  readonly #session: OrtSession;
  readonly #tensor: MakeTensor;
  readonly #pastNames: string[];
  readonly #presentNames: string[];
  readonly #kvType: 'float32' | 'float16';
  /** Whether the graph takes `num_logits_to_keep` (one run per step) or not (two runs). */
  readonly keepsLogits: boolean;
  readonly empty: KvState;
  readonly vocabularySize: number;

  constructor(session: OrtSession, tensor: MakeTensor, shape: DecoderShape) {
    this.#session = session;
    this.#tensor = tensor;
    this.#pastNames = session.inputNames.filter((name) => name.startsWith('past_key_values.'));
    this.#presentNames = this.#pastNames.map((name) => name.replace('past_key_values.', 'present.'));
    const missing = ['input_ids', 'attention_mask', ...this.#pastNames].filter(
      (name) => !session.inputNames.includes(name),
    );
    const missingOutputs = ['logits', ...this.#presentNames].filter(
      (name) => !session.outputNames.includes(name),
    );
    if (this.#pastNames.length === 0 || missing.length > 0 || missingOutputs.length > 0) {
      throw new VigilModelError(
        `model: expected a decoder with a KV cache (inputs input_ids, attention_mask, past_key_values.N.key/value; outputs logits, present.N.key/value), received inputs ${session.inputNames.join(', ')} and outputs ${session.outputNames.join(', ')}`,
      );
    }
    const kvMetadata = session.inputMetadata?.find((entry) => entry.name === this.#pastNames[0]);
    this.#kvType = kvMetadata?.type === 'float16' ? 'float16' : 'float32';
    this.keepsLogits = session.inputNames.includes('num_logits_to_keep');
    this.vocabularySize = shape.vocabularySize;
    const emptyData = this.#kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    const tensors: Record<string, OrtTensor> = {};
    for (const name of this.#pastNames) {
      tensors[name] = tensor(this.#kvType, emptyData, [1, shape.kvHeads, 0, shape.headDim]);
    }
    this.empty = { length: 0, tensors };
  }

  /**
   * Runs `tokens` after `past`: the new cache, and the next-token logits when `logits` is set.
   * Long inputs go in chunks of {@link chunkTokens}, so attention's scores stay small (a chunk's
   * rows against the cache) whatever the prompt's length.
   */
  async forward(
    tokens: readonly number[],
    past: KvState,
    logits: true,
  ): Promise<{ state: KvState; logits: Float32Array }>;
  async forward(tokens: readonly number[], past: KvState, logits: false): Promise<{ state: KvState }>;
  async forward(tokens: readonly number[], past: KvState, logits: boolean) {
    // Every piece but the last fetches only the cache; without num_logits_to_keep the last token
    // runs alone, so a run that fetches logits returns one row.
    const pieces: number[][] = [];
    const lastPiece = logits && !this.keepsLogits ? tokens.length - 1 : tokens.length;
    for (let start = 0; start < lastPiece; start += chunkTokens) {
      pieces.push(tokens.slice(start, Math.min(start + chunkTokens, lastPiece)));
    }
    if (lastPiece < tokens.length) pieces.push(tokens.slice(lastPiece));
    let state = past;
    for (const [index, piece] of pieces.entries()) {
      const last = index === pieces.length - 1;
      const result = await this.#run(piece, state, logits && last);
      if (state !== past) release(state);
      if (last) return result;
      state = result.state;
    }
    throw new VigilModelError('model: nothing to evaluate');
  }

  async #run(tokens: readonly number[], past: KvState, logits: boolean) {
    const total = past.length + tokens.length;
    const feeds: Record<string, OrtTensor> = {
      ...past.tensors,
      input_ids: this.#tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      attention_mask: this.#tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (this.#session.inputNames.includes('position_ids')) {
      const positions = BigInt64Array.from(tokens, (_, index) => BigInt(past.length + index));
      feeds.position_ids = this.#tensor('int64', positions, [1, tokens.length]);
    }
    if (this.keepsLogits) feeds.num_logits_to_keep = this.#tensor('int64', BigInt64Array.of(1n), []);
    const fetches = logits ? ['logits', ...this.#presentNames] : this.#presentNames;
    const outputs = await this.#session.run(feeds, fetches);
    const tensors: Record<string, OrtTensor> = {};
    this.#presentNames.forEach((name, index) => {
      const output = outputs[name];
      if (!output) throw new VigilModelError(`model: the graph returned no ${name}`);
      tensors[this.#pastNames[index] as string] = output;
    });
    const state = { length: total, tensors };
    if (!logits) return { state };
    const output = outputs.logits;
    if (!output) throw new VigilModelError('model: the graph returned no logits');
    return { state, logits: lastRow(output, this.vocabularySize) };
  }
}

/** The last position's row of `[1, k, vocabulary]` logits, as float32. */
function lastRow(tensor: OrtTensor, vocabularySize: number): Float32Array {
  const data = tensor.data as Float32Array | Uint16Array;
  const start = data.length - vocabularySize;
  if (start < 0)
    throw new VigilModelError(`model: logits of ${data.length} values, expected at least ${vocabularySize}`);
  if (tensor.type === 'float32') return (data as Float32Array).slice(start);
  const row = new Float32Array(vocabularySize);
  for (let index = 0; index < vocabularySize; index++)
    row[index] = halfToFloat((data as Uint16Array)[start + index] ?? 0);
  return row;
}

/** Frees a cache held on a GPU (CPU tensors are left to the garbage collector). */
export function release(state: KvState): void {
  for (const tensor of Object.values(state.tensors)) {
    if (tensor.location === 'gpu-buffer') tensor.dispose?.();
  }
}
