import { VigilAbortError, VigilDisposedError } from '@vigil/guard-core';
import { answerChat } from './answer-chat.js';
import type { ChatOptions } from './chat-options.js';
import { createChatRuntime, type GuardedChatSettings } from './chat-runtime.js';
import type { ChatMessage, ChatPiece, ChatResult, Generator, GeneratorGuard } from './types.js';

export type { GuardedChatSettings } from './chat-runtime.js';
export { defaultRefusal } from './generator-options.js';

/**
 * The generator's logic over any model backend: input check, generation on a pooled sequence,
 * output moderation through guard-core's stream session, refusals, abort. Pure of node-llama-cpp
 * (the backend holds it), so it is unit-tested with a scripted backend and guard. One chat is
 * `answerChat`; its generation and streaming are `streamAnswer`.
 * @example
 * const generator = createGuardedChat({ backend, guard, mode: 'block', refusal: defaultRefusal, ... });
 */
export function createGuardedChat(settings: GuardedChatSettings): Generator {
  const { backend, guard, mode } = settings;
  const runtime = createChatRuntime(settings);
  const { pool } = runtime;
  let disposing: Promise<void> | undefined;

  /** What `stream()` yields, until a `dispose()`: then the next piece is a `VigilDisposedError`. */
  async function* stream(
    messages: readonly ChatMessage[],
    options: ChatOptions = {},
  ): AsyncGenerator<ChatPiece, void, undefined> {
    for await (const piece of answerChat(runtime, messages, options)) {
      if (runtime.disposed) throw runtime.disposedError(new Error('disposed before the piece was delivered'));
      yield piece;
    }
  }

  async function chat(messages: readonly ChatMessage[], options: ChatOptions = {}): Promise<ChatResult> {
    for await (const piece of stream(messages, options)) {
      if (piece.type === 'end') return piece.result;
    }
    throw new VigilAbortError('chat: ended without a result');
  }

  function dispose() {
    disposing ??= (async () => {
      runtime.disposed = true;
      pool.close();
      for (const controller of runtime.live) controller.abort(runtime.disposedError());
      await Promise.allSettled([...runtime.generations]);
      await backend.dispose();
    })();
    return disposing;
  }

  const alive = <T>(name: string, read: () => T) => {
    if (runtime.disposed) throw new VigilDisposedError(`${name}: the generator was disposed`);
    return read();
  };

  return {
    chat,
    stream,
    model: backend.model,
    mode,
    memory: () =>
      alive('memory', () => ({
        generator: backend.memory(),
        guard: { modelBytes: guardModelBytes(guard) },
        processRssBytes: process.memoryUsage().rss,
      })),
    stats: () =>
      alive('stats', () => ({ ...runtime.counters, waiting: pool.waiting, draft: { ...runtime.drafted } })),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** The guard's model size, from a local engine's stats (remote and scripted engines have none). */
function guardModelBytes(guard: GeneratorGuard): number | undefined {
  const bytes = guard.engine?.stats?.().modelBytes;
  return typeof bytes === 'number' ? bytes : undefined;
}
