import type { Guard, Verdict } from '@vigil/guard-core';
import type { VigilMode } from '@vigil/guard-core/internal';
import type { ChatOptions } from './chat-options.js';

/** An OpenAI-style chat message. `developer` is treated as `system`. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant';
  /**
   * A string, or OpenAI content parts: their text (guard-core's `messageText`: every part's
   * `text`, a `refusal` part's `refusal`, a `thinking` part's `thinking`) joined with nothing
   * between. The model reads exactly the text the guard judges.
   */
  content: string | readonly { type: string; text?: string | undefined }[];
}

/** What the generator needs of a guard: `createGuard`'s result (or anything with its `classify`). */
export type GeneratorGuard = Pick<Guard, 'classify'> & Partial<Pick<Guard, 'model' | 'engine'>>;

/** How unsafe traffic is handled, in both directions, as in the middleware. */
export type GeneratorMode = VigilMode;

export type FinishReason = 'stop' | 'length' | 'content_filter';

/** What a refusal is written for. */
export interface RefusalContext {
  /** `user`: the input was refused before generation; `assistant`: the answer was cut. */
  role: 'user' | 'assistant';
  /** The unsafe verdict. */
  verdict: Verdict;
  /** The answer text already delivered (empty for `user`). */
  released: string;
}

/** One verdict, as `onVerdict` sees it. */
export interface VerdictEvent {
  role: 'user' | 'assistant';
  verdict: Verdict;
  /** `allow` (safe), `block` (unsafe, mode `'block'`), `flag` (unsafe, modes `'annotate'`/`'shadow'`). */
  action: 'allow' | 'block' | 'flag';
}

/** Assisted generation's tokens (the `draft` option): guessed, then checked by the chat model. */
export interface DraftUsage {
  /** Guesses the chat model checked: `accepted + refuted`. */
  drafted: number;
  /** Guesses the chat model would have generated itself: kept, at the cost of one batched decode. */
  accepted: number;
  /** Guesses it refuted (the first wrong one and every guess after it): work thrown away. */
  refuted: number;
}

export interface ChatUsage {
  /** Tokens of the rendered prompt (0 when the input was refused: nothing was generated). */
  promptTokens: number;
  /** Tokens generated (including any generated past a cut, which are never delivered). */
  completionTokens: number;
  totalTokens: number;
  /** The guard's work for this chat: checks run (input and output) and tokens it evaluated. */
  moderation: { checks: number; evaluatedTokens: number };
  /** Drafted tokens of this chat, when the generator drafts (`draft` option); else `undefined`. */
  draft: DraftUsage | undefined;
}

/** The outcome of one chat. A refusal is an outcome, not an error. */
export interface ChatResult {
  /** The delivered answer: the generated text (all of it checked, in `'block'` mode), or a refusal. */
  message: { role: 'assistant'; content: string };
  finishReason: FinishReason;
  /** Which side was refused (`'block'` mode only). */
  refused: 'input' | 'output' | undefined;
  /** The input verdict and the answer's latest (final, or the one that cut it). */
  verdicts: { input: Verdict | undefined; output: Verdict | undefined };
  usage: ChatUsage;
  durationMs: number;
}

/** What `generator.stream()` yields: delivered text, then one summary. */
export type ChatPiece = { type: 'text'; text: string } | { type: 'end'; result: ChatResult };

/** Facts about the loaded chat model. */
export interface GeneratorModelInfo {
  /** A short name for APIs (`/v1/models`): the file name without `.gguf`. */
  name: string;
  /** The local file. */
  path: string;
  /** Tokens per chat. */
  contextSize: number;
  /** Where the chat template came from: the GGUF's Jinja template, or node-llama-cpp's built-in one for the architecture. */
  template: 'gguf' | 'builtin';
  /** What drafts tokens (the `draft` option): the draft model's name, `'lookup'`, or `undefined` (off). */
  draft?: string | undefined;
}

/** Bytes of memory, as reported by llama.cpp and the process. */
export interface GeneratorMemory {
  /** The chat model, and the draft model when one drafts. */
  generator: {
    modelBytes: number;
    contextBytes: number;
    draft?: { modelBytes: number; contextBytes: number } | undefined;
  };
  /** The guard's model file size (weights) when known. */
  guard: { modelBytes: number | undefined };
  /** The whole process (both models, both contexts, Node). */
  processRssBytes: number;
}

export interface Generator extends AsyncDisposable {
  /**
   * Answers a conversation, moderated in both directions.
   * @example
   * const { message, finishReason } = await generator.chat([{ role: 'user', content: 'Hi!' }], { maxTokens: 200 });
   */
  chat(messages: readonly ChatMessage[], options?: ChatOptions): Promise<ChatResult>;
  /**
   * Streams the answer: text pieces as they are delivered (in `'block'` mode, only checked text),
   * then `{ type: 'end', result }`. Breaking out of the loop stops generation.
   * @example
   * for await (const piece of generator.stream(messages)) {
   *   if (piece.type === 'text') process.stdout.write(piece.text);
   *   else console.log('\n', piece.result.finishReason);
   * }
   */
  stream(messages: readonly ChatMessage[], options?: ChatOptions): AsyncGenerator<ChatPiece, void, undefined>;
  readonly model: GeneratorModelInfo;
  readonly mode: GeneratorMode;
  /** Memory used by the generator and the guard, and the process's RSS. */
  memory(): GeneratorMemory;
  /** Chats so far, by outcome (`abortedChats`: aborted, failed, or abandoned by the consumer), and now. */
  stats(): {
    chats: number;
    refusedInputs: number;
    cutOutputs: number;
    abortedChats: number;
    activeChats: number;
    waiting: number;
    /** Drafted tokens of all chats so far (zeros when the generator does not draft). */
    draft: DraftUsage;
  };
  /** Frees the chat model (not the guard). Idempotent; later calls throw `VigilDisposedError`. */
  dispose(): Promise<void>;
}

/** What the guarded chat asks of a model: generate an answer on one of its sequences. */
export interface GenerateRequest {
  messages: readonly ChatMessage[];
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number | undefined;
  stop: readonly string[];
  signal: AbortSignal;
  /** Receives the answer's text as it is generated. */
  onText(text: string): void;
}

export interface GenerateResult {
  /** `stop`: end of turn or a stop text; `length`: `maxTokens`; `abort`: the signal stopped it. */
  stopReason: 'stop' | 'length' | 'abort';
  promptTokens: number;
  completionTokens: number;
  /** The drafted tokens of this generation, when the backend drafts. */
  draft?: DraftUsage | undefined;
}

/** The seam between the guarded chat and a model (node-llama-cpp, or a scripted one in tests). */
export interface ChatBackend {
  readonly model: GeneratorModelInfo;
  /** Sequences: chats generated at once. */
  readonly sequences: number;
  generate(slot: number, request: GenerateRequest): Promise<GenerateResult>;
  memory(): GeneratorMemory['generator'];
  dispose(): Promise<void>;
}
