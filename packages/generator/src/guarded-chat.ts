import {
  createStreamModerator,
  type StreamCheckEvery,
  type Verdict,
  VigilAbortError,
  VigilDisposedError,
  VigilInputError,
} from '@vigil/guard-core';
import {
  report as callHook,
  createPushable,
  decide,
  parseOrThrow,
  SequencePool,
} from '@vigil/guard-core/internal';
import { type ChatOptions, chatMessagesSchema, chatOptionsSchema } from './chat-options.js';
import type {
  ChatBackend,
  ChatMessage,
  ChatPiece,
  ChatResult,
  ChatUsage,
  FinishReason,
  GenerateResult,
  Generator,
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

export { defaultRefusal } from './generator-options.js';

/**
 * The generator's logic over any model backend: input check, generation on a pooled sequence,
 * output moderation through guard-core's streaming moderator, refusals, abort. Pure of
 * node-llama-cpp (the backend holds it), so it is unit-tested with a scripted backend and guard.
 * @example
 * const generator = createGuardedChat({ backend, guard, mode: 'block', refusal: defaultRefusal, ... });
 */
export function createGuardedChat(settings: GuardedChatSettings): Generator {
  const { backend, guard, mode } = settings;
  const enforce = mode === 'block';
  // Slots are sequence indexes; a chat re-renders its whole history, so no token affinity.
  const slots = Array.from({ length: backend.sequences }, (_, index) => ({ index, tokens: [] }));
  const pool = new SequencePool(slots, settings.maxQueue, { call: 'chat', owner: 'generator' });
  const counters = { chats: 0, refusedInputs: 0, cutOutputs: 0, abortedChats: 0, activeChats: 0 };
  /** Drafted tokens of every generation, finished or not (the `draft` option). */
  const drafted = { drafted: 0, accepted: 0, refuted: 0 };
  let disposed = false;
  let disposing: Promise<void> | undefined;
  /** Every chat in flight: aborted by `dispose()`. */
  const live = new Set<AbortController>();
  /** Generations running on the backend: `dispose()` lets them stop before freeing the model. */
  const generations = new Set<Promise<unknown>>();
  const disposedError = (cause?: unknown) =>
    new VigilDisposedError(
      cause === undefined
        ? 'chat: the generator was disposed'
        : 'chat: the generator was disposed while the chat was in flight',
      { cause },
    );

  const refusalText = (context: RefusalContext) =>
    typeof settings.refusal === 'string' ? settings.refusal : settings.refusal(context);

  /** The middleware's table decides: block fails closed, annotate and shadow fail open. */
  const decided = (side: 'request' | 'response', verdict: Verdict | undefined) =>
    decide({
      mode,
      failMode: 'closed',
      passUnknown: false,
      side,
      outcome: verdict === undefined ? 'failed' : verdict.safe ? 'safe' : 'unsafe',
    }).action;

  function report(role: 'user' | 'assistant', verdict: Verdict | undefined) {
    if (!verdict) return;
    const action = decided(role === 'user' ? 'request' : 'response', verdict) as VerdictEvent['action'];
    callHook(settings.onVerdict, { role, verdict, action });
  }

  /** What `stream()` yields, until a `dispose()`: then the next piece is a `VigilDisposedError`. */
  async function* stream(
    messages: readonly ChatMessage[],
    options: ChatOptions = {},
  ): AsyncGenerator<ChatPiece, void, undefined> {
    for await (const piece of answer(messages, options)) {
      if (disposed) throw disposedError(new Error('disposed before the piece was delivered'));
      yield piece;
    }
  }

  async function* answer(
    messages: readonly ChatMessage[],
    options: ChatOptions,
  ): AsyncGenerator<ChatPiece, void, undefined> {
    const started = performance.now();
    if (disposed) throw new VigilDisposedError('chat: the generator was disposed');
    const { parsedMessages, parsed } = parseChat(messages, options);
    const userSignal = parsed.signal;
    const throwIfAborted = () => {
      if (userSignal?.aborted) throw new VigilAbortError('chat: aborted', { cause: userSignal.reason });
      if (disposed) throw disposedError(new Error('disposed during the chat'));
    };
    throwIfAborted();
    // One controller stops everything of this chat: generation, pending checks, a queued wait.
    const controller = new AbortController();
    live.add(controller);
    const onUserAbort = () => controller.abort(userSignal?.reason);
    userSignal?.addEventListener('abort', onUserAbort, { once: true });
    counters.chats++;
    counters.activeChats++;
    let ended = false;
    const moderation = { checks: 0, evaluatedTokens: 0 };
    const finish = (
      content: string,
      finishReason: FinishReason,
      refused: ChatResult['refused'],
      verdicts: ChatResult['verdicts'],
      generated: Generated,
    ): ChatPiece => ({
      type: 'end',
      result: chatResult({ content, finishReason, refused, verdicts }, generated, moderation, started),
    });

    try {
      // 1. The input, before any token is generated.
      let input: Verdict | undefined;
      try {
        input = await guard.classify(parsedMessages, { role: 'user', signal: controller.signal });
        moderation.checks++;
        moderation.evaluatedTokens += input.usage.evaluatedTokens;
      } catch (error) {
        throwIfAborted();
        if (decided('request', undefined) === 'fail-closed') throw error;
      }
      report('user', input);
      if (input && decided('request', input) === 'block') {
        counters.refusedInputs++;
        const text = refusalText({ role: 'user', verdict: input, released: '' });
        yield { type: 'text', text };
        ended = true;
        yield finish(
          text,
          'content_filter',
          'input',
          { input, output: undefined },
          { promptTokens: 0, completionTokens: 0 },
        );
        return;
      }

      // 2. Generation on a pooled sequence, its text moderated as it streams.
      const slot = await pool.acquire([], 0, controller.signal);
      const queue = createPushable<string>();
      // A cut stops generation only; the moderator still gives its summary.
      const cut = new AbortController();
      let generation: Promise<GenerateResult> | undefined;
      try {
        generation = backend.generate(slot.index, {
          messages: parsedMessages,
          maxTokens: parsed.maxTokens ?? settings.defaults.maxTokens,
          temperature: parsed.temperature ?? settings.defaults.temperature,
          topP: parsed.topP ?? settings.defaults.topP,
          seed: parsed.seed,
          stop: typeof parsed.stop === 'string' ? [parsed.stop] : (parsed.stop ?? []),
          signal: AbortSignal.any([controller.signal, cut.signal]),
          onText: (text) => {
            if (text !== '') queue.push(text);
          },
        });
        generation.then(
          (result) => {
            if (result.draft) {
              drafted.drafted += result.draft.drafted;
              drafted.accepted += result.draft.accepted;
              drafted.refuted += result.draft.refuted;
            }
            queue.close();
          },
          (error) => queue.fail(error),
        );
        const running = generation.catch(() => {});
        generations.add(running);
        running.then(() => generations.delete(running));
        const moderator = createStreamModerator({
          guard,
          conversation: parsedMessages,
          strategy: enforce ? 'buffer' : 'progressive',
          checkEvery: settings.checkEvery,
          failMode: enforce ? 'closed' : 'open',
          signal: controller.signal,
        });
        let released = '';
        for await (const piece of queue) {
          if (enforce) {
            const step = await moderator.push(piece);
            if (step.release) {
              released += step.release;
              yield { type: 'text', text: step.release };
            }
            if (step.blocked) break;
          } else {
            released += piece;
            yield { type: 'text', text: piece };
            moderator.push(piece).catch(() => {});
          }
        }
        throwIfAborted();
        // A cut stops generation at once; the tokens already generated past it are dropped.
        if (moderator.blocked && enforce) cut.abort(new Error('cut by the content filter'));
        const generated = await generation;
        throwIfAborted();
        const summary = await moderator.end();
        moderation.checks += summary.checks;
        moderation.evaluatedTokens += summary.evaluatedTokens;
        report('assistant', summary.verdict);
        const verdicts = { input, output: summary.verdict };
        if (enforce && summary.blocked) {
          if (summary.verdict?.safe !== false && summary.error !== undefined) throw summary.error;
          counters.cutOutputs++;
          const notice = refusalText({ role: 'assistant', verdict: summary.verdict as Verdict, released });
          yield { type: 'text', text: notice };
          ended = true;
          yield finish(released + notice, 'content_filter', 'output', verdicts, generated);
          return;
        }
        if (summary.release) {
          released += summary.release;
          yield { type: 'text', text: summary.release };
        }
        const finishReason = generated.stopReason === 'length' ? 'length' : 'stop';
        ended = true;
        yield finish(released, finishReason, undefined, verdicts, generated);
      } finally {
        // Reached on completion, error, abort and an early `return()` by the consumer.
        if (!controller.signal.aborted) controller.abort(new Error('chat ended'));
        await generation?.catch(() => {});
        pool.release(slot);
      }
    } catch (error) {
      // A dispose() racing the chat: never the runtime's own error.
      if (disposed && !userSignal?.aborted && !VigilDisposedError.isInstance(error))
        throw disposedError(error);
      throw error;
    } finally {
      live.delete(controller);
      // Aborted, failed, or the consumer stopped reading before the end.
      if (!ended) counters.abortedChats++;
      counters.activeChats--;
      userSignal?.removeEventListener('abort', onUserAbort);
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
      disposed = true;
      pool.close();
      for (const controller of live) controller.abort(disposedError());
      await Promise.allSettled([...generations]);
      await backend.dispose();
    })();
    return disposing;
  }

  const alive = <T>(name: string, read: () => T) => {
    if (disposed) throw new VigilDisposedError(`${name}: the generator was disposed`);
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
    stats: () => alive('stats', () => ({ ...counters, waiting: pool.waiting, draft: { ...drafted } })),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** A chat's messages and options, validated: the last message is the user's turn to answer. */
function parseChat(messages: readonly ChatMessage[], options: ChatOptions) {
  const parsedMessages = parseOrThrow(
    chatMessagesSchema,
    messages,
    'chat messages',
    VigilInputError,
  ) as ChatMessage[];
  const last = parsedMessages.at(-1);
  if (last?.role !== 'user') {
    throw new VigilInputError(
      `chat messages[${parsedMessages.length - 1}].role: expected the last message to be 'user', received '${last?.role}'`,
    );
  }
  return { parsedMessages, parsed: parseOrThrow(chatOptionsSchema, options, 'chat options') };
}

type Generated = Pick<GenerateResult, 'promptTokens' | 'completionTokens' | 'draft'>;

/** A chat's outcome: the delivered answer, its verdicts and its usage. */
function chatResult(
  answer: Pick<ChatResult, 'finishReason' | 'refused' | 'verdicts'> & { content: string },
  generated: Generated,
  moderation: ChatUsage['moderation'],
  started: number,
): ChatResult {
  return {
    message: { role: 'assistant', content: answer.content },
    finishReason: answer.finishReason,
    refused: answer.refused,
    verdicts: answer.verdicts,
    usage: {
      promptTokens: generated.promptTokens,
      completionTokens: generated.completionTokens,
      totalTokens: generated.promptTokens + generated.completionTokens,
      moderation,
      draft: generated.draft,
    },
    durationMs: performance.now() - started,
  };
}

/** The guard's model size, from a local engine's stats (remote and scripted engines have none). */
function guardModelBytes(guard: GeneratorGuard): number | undefined {
  const bytes = guard.engine?.stats?.().modelBytes;
  return typeof bytes === 'number' ? bytes : undefined;
}
