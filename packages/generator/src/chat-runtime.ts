import { type StreamCheckEvery, type Verdict, VigilDisposedError } from '@vigil/guard-core';
import { report as callHook, decide, SequencePool } from '@vigil/guard-core/internal';
import type { z } from 'zod';
import type { chatOptionsSchema } from './chat-options.js';
import type {
  ChatBackend,
  ChatMessage,
  ChatUsage,
  GeneratorGuard,
  GeneratorMode,
  RefusalContext,
  VerdictEvent,
} from './types.js';

export interface GuardedChatSettings {
  backend: ChatBackend;
  guard: GeneratorGuard;
  mode: GeneratorMode;
  refusal: string | ((context: RefusalContext) => string);
  checkEvery: StreamCheckEvery | undefined;
  onVerdict: ((event: VerdictEvent) => void) | undefined;
  maxQueue: number;
  defaults: { maxTokens: number; temperature: number; topP: number };
}

/** A backend sequence; a chat re-renders its whole history, so no token affinity. */
interface ChatSlot {
  readonly index: number;
  readonly tokens: readonly number[];
}

/**
 * What every chat of one generator shares: its settings, sequence pool, counters, the chats and
 * generations in flight (for `dispose()`), and the decisions taken the same way for each chat.
 */
export interface ChatRuntime {
  readonly settings: GuardedChatSettings;
  readonly pool: SequencePool<ChatSlot>;
  readonly counters: {
    chats: number;
    refusedInputs: number;
    cutOutputs: number;
    abortedChats: number;
    activeChats: number;
  };
  /** Drafted tokens of every generation, finished or not (the `draft` option). */
  readonly drafted: { drafted: number; accepted: number; refuted: number };
  /** Every chat in flight: aborted by `dispose()`. */
  readonly live: Set<AbortController>;
  /** Generations running on the backend: `dispose()` lets them stop before freeing the model. */
  readonly generations: Set<Promise<unknown>>;
  /** Set once by `dispose()`. */
  disposed: boolean;
  disposedError(cause?: unknown): VigilDisposedError;
  refusalText(context: RefusalContext): string;
  /** The middleware's table decides: block fails closed, annotate and shadow fail open. */
  decided(side: 'request' | 'response', verdict: Verdict | undefined): ReturnType<typeof decide>['action'];
  /** Tells `onVerdict` of a verdict and the action taken on it. */
  report(role: 'user' | 'assistant', verdict: Verdict | undefined): void;
}

/** One chat in flight: its validated request, its controller and its moderation usage so far. */
export interface ChatTurn {
  readonly messages: ChatMessage[];
  readonly options: z.output<typeof chatOptionsSchema>;
  /** Stops everything of this chat: generation, pending checks, a queued wait. */
  readonly controller: AbortController;
  readonly moderation: ChatUsage['moderation'];
  /** `performance.now()` when the chat was asked for. */
  readonly started: number;
  /** Throws a `VigilAbortError` once the caller aborted, a `VigilDisposedError` once disposed. */
  throwIfAborted(): void;
}

/** The shared state of a new generator over `settings`. */
export function createChatRuntime(settings: GuardedChatSettings): ChatRuntime {
  const { backend, mode } = settings;
  const slots = Array.from({ length: backend.sequences }, (_, index) => ({ index, tokens: [] }));
  const decided: ChatRuntime['decided'] = (side, verdict) =>
    decide({
      mode,
      failMode: 'closed',
      passUnknown: false,
      side,
      outcome: verdict === undefined ? 'failed' : verdict.safe ? 'safe' : 'unsafe',
    }).action;
  return {
    settings,
    pool: new SequencePool<ChatSlot>(slots, settings.maxQueue, { call: 'chat', owner: 'generator' }),
    counters: { chats: 0, refusedInputs: 0, cutOutputs: 0, abortedChats: 0, activeChats: 0 },
    drafted: { drafted: 0, accepted: 0, refuted: 0 },
    live: new Set(),
    generations: new Set(),
    disposed: false,
    disposedError: (cause) =>
      new VigilDisposedError(
        cause === undefined
          ? 'chat: the generator was disposed'
          : 'chat: the generator was disposed while the chat was in flight',
        { cause },
      ),
    refusalText: (context) =>
      typeof settings.refusal === 'string' ? settings.refusal : settings.refusal(context),
    decided,
    report(role, verdict) {
      if (!verdict) return;
      const action = decided(role === 'user' ? 'request' : 'response', verdict) as VerdictEvent['action'];
      callHook(settings.onVerdict, { role, verdict, action });
    },
  };
}
