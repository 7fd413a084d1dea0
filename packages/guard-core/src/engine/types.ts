import type { PromptSegments } from '../prompt/segments.js';

/** Token accounting for one call. */
export interface Usage {
  /** Tokens in the whole prompt. */
  promptTokens: number;
  /** Tokens the model actually evaluated for this call (prompt tokens not in cache, plus answer tokens). */
  evaluatedTokens: number;
  /** Prompt tokens served from the KV cache (policy prefix, earlier turns). */
  cachedTokens: number;
}

/** What the guard asks an engine: score one Llama Guard prompt. */
export interface ScoreRequest {
  segments: PromptSegments;
  /**
   * Every category code the model may name (the known ones, not only the policy's: a code the
   * policy leaves out is reported as ignored, not hidden).
   */
  knownCodes: readonly string[];
  /**
   * Decode category codes when the unsafe probability is at or above this. It only decides
   * whether the engine spends the tokens to name codes, never whether a verdict is unsafe: that
   * is decided once, from the codes and the policy's thresholds, in `judgeScore`
   * (`verdict/verdict.ts`). The guard passes the lowest threshold any category in force can
   * fire at (`lowestThreshold`), so codes are known wherever a category could make the verdict
   * unsafe.
   */
  threshold: number;
  /** Read the probability of each code at the category position. */
  includeCategoryProbabilities: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Where `unsafeProbability` came from: `logprobs` (the model's distribution), `bounded` (a remote
 * server listed only one of `safe`/`unsafe` among its top logprobs: the bound nearest 0.5),
 * `text` (the server sent no logprobs: `unsafeProbability` is `null`).
 */
export type ProbabilitySource = 'logprobs' | 'bounded' | 'text';

/** What an engine read from the model for one prompt: a probability and decoded codes, no verdict. */
export interface ScoreResult {
  /**
   * P(unsafe) / (P(safe) + P(unsafe)) for the first answer token, from the model's own
   * distribution; `null` when the engine could not read it (a remote server without logprobs).
   */
  unsafeProbability: number | null;
  /** Where `unsafeProbability` came from. */
  probabilitySource: ProbabilitySource;
  /**
   * The category codes the model named, in its order (`['S1', 'S9']`): decoded when
   * `unsafeProbability` reached `ScoreRequest.threshold` (with `null`, when the model's answer
   * was `unsafe`), else empty. May hold codes outside the policy; the verdict sorts them.
   */
  codes: readonly string[];
  /** The model's answer text, for display and debugging only, e.g. `safe` or `unsafe\nS1,S9`. */
  raw: string;
  /** Probability of each code at the category position (when asked and codes were decoded). */
  categoryProbabilities?: Readonly<Record<string, number>> | undefined;
  usage: Usage;
}

/** Facts about the loaded model, for callers and for cache keys. */
export interface EngineModelInfo {
  /** A stable identity of the model (path or URI plus size), part of verdict cache keys. */
  id: string;
  /** The GGUF's `tokenizer.chat_template`, when it has one. */
  chatTemplate?: string | undefined;
  /** Tokens one conversation may take, prompt included, in the pooled context. */
  contextSize: number;
  /**
   * The longest prompt one call may take, in tokens: a conversation longer than `contextSize` is
   * judged in a larger context created on demand, up to this. Local engines only; defaults to
   * `contextSize`.
   */
  maxPromptTokens?: number | undefined;
  /** The context the model was trained for (GGUF `<arch>.context_length`), when known. */
  trainedContextSize?: number | undefined;
  /** Which llama.cpp backend runs the model (`cpu`, `cuda`, `vulkan`, `metal`); `remote` for a server. */
  backend?: 'cpu' | 'cuda' | 'vulkan' | 'metal' | 'remote' | undefined;
}

/** What the engine holds in memory, in bytes (see `guard.memory()`). */
export interface EngineMemory {
  /** The model's tensors as loaded (in RAM, or VRAM for layers offloaded to a GPU). */
  weights: number;
  /** KV cache of the pooled context (sequences x contextSize x bytes per token). */
  kvCache: number;
  /** KV cache of the larger context for long conversations, while it exists; else 0. */
  longContextKvCache: number;
  /** KV bytes one token takes (all layers, keys and values). */
  kvBytesPerToken: number;
  /** Conversation states kept outside the KV cache; 0 when there is no state cache. */
  stateCache: number;
}

/** Text to tokens and back with the engine's own tokenizer (plain text: no special tokens). */
export interface EngineTokenizer {
  /** Tokenizes plain text, in pieces that yield to the event loop when it is long. */
  tokenize(text: string): Promise<number[]>;
  detokenize(tokens: readonly number[]): string;
  /** Tokens in a whole prompt, as `score` counts them. */
  promptTokens(segments: PromptSegments): Promise<number>;
}

/**
 * The seam between the classifier and the model: something that scores a Llama Guard prompt.
 * The local engine runs node-llama-cpp in-process; a remote one calls an OpenAI-compatible server.
 */
export interface GuardEngine {
  readonly model: EngineModelInfo;
  score(request: ScoreRequest): Promise<ScoreResult>;
  /** Frees native memory and connections. Idempotent; `score` after it throws `VigilDisposedError`. */
  dispose(): Promise<void>;
  /** The same as `dispose()`, for `await using`. The built-in engines have it. */
  [Symbol.asyncDispose]?(): Promise<void>;
  /** Engine statistics (queue, sequences), merged into `guard.stats()`. */
  stats?(): Record<string, number>;
  /**
   * P(safe) + P(unsafe) for the first answer token after this prompt, from the full next-token
   * distribution: about 1 for a Llama Guard model, far less for any other. Local engines only.
   */
  verdictMass?(segments: PromptSegments): Promise<number>;
  /** What the engine holds in memory. Local engines only. */
  memory?(): EngineMemory;
  /** The engine's tokenizer, for fitting long conversations to `model.maxPromptTokens`. Local engines only. */
  readonly tokenizer?: EngineTokenizer | undefined;
}
