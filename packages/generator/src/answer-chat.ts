import { type Verdict, VigilAbortError, VigilDisposedError, VigilInputError } from '@vigil/guard-core';
import { parseOrThrow } from '@vigil/guard-core/internal';
import { type ChatOptions, chatMessagesSchema, chatOptionsSchema } from './chat-options.js';
import { endPiece } from './chat-result.js';
import type { ChatRuntime, ChatTurn } from './chat-runtime.js';
import { streamAnswer } from './stream-answer.js';
import type { ChatMessage, ChatPiece } from './types.js';

/**
 * One chat, from its request to its end: validation, the caller's abort and `dispose()` wired to
 * the chat's controller, the counters, and the answer ({@link moderatedAnswer}).
 */
export async function* answerChat(
  runtime: ChatRuntime,
  messages: readonly ChatMessage[],
  options: ChatOptions,
): AsyncGenerator<ChatPiece, void, undefined> {
  const started = performance.now();
  if (runtime.disposed) throw new VigilDisposedError('chat: the generator was disposed');
  const { parsedMessages, parsed } = parseChat(messages, options);
  const userSignal = parsed.signal;
  const throwIfAborted = () => {
    if (userSignal?.aborted) throw new VigilAbortError('chat: aborted', { cause: userSignal.reason });
    if (runtime.disposed) throw runtime.disposedError(new Error('disposed during the chat'));
  };
  throwIfAborted();
  const controller = new AbortController();
  runtime.live.add(controller);
  const onUserAbort = () => controller.abort(userSignal?.reason);
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  const { counters } = runtime;
  counters.chats++;
  counters.activeChats++;
  let ended = false;
  const moderation = { checks: 0, evaluatedTokens: 0 };
  const turn: ChatTurn = {
    messages: parsedMessages,
    options: parsed,
    controller,
    moderation,
    started,
    throwIfAborted,
  };
  try {
    for await (const piece of moderatedAnswer(runtime, turn)) {
      if (piece.type === 'end') ended = true;
      yield piece;
    }
  } catch (error) {
    // A dispose() racing the chat: never the runtime's own error.
    if (runtime.disposed && !userSignal?.aborted && !VigilDisposedError.isInstance(error))
      throw runtime.disposedError(error);
    throw error;
  } finally {
    runtime.live.delete(controller);
    // Aborted, failed, or the consumer stopped reading before the end.
    if (!ended) counters.abortedChats++;
    counters.activeChats--;
    userSignal?.removeEventListener('abort', onUserAbort);
  }
}

/** The input checked before any token is generated; refused, or answered by {@link streamAnswer}. */
async function* moderatedAnswer(
  runtime: ChatRuntime,
  turn: ChatTurn,
): AsyncGenerator<ChatPiece, void, undefined> {
  const input = await checkInput(runtime, turn);
  if (input && runtime.decided('request', input) === 'block') {
    runtime.counters.refusedInputs++;
    const text = runtime.refusalText({ role: 'user', verdict: input, released: '' });
    yield { type: 'text', text };
    const answer = { content: text, finishReason: 'content_filter', refused: 'input' } as const;
    yield endPiece(
      turn,
      { ...answer, verdicts: { input, output: undefined } },
      { promptTokens: 0, completionTokens: 0 },
    );
    return;
  }
  yield* streamAnswer(runtime, turn, input);
}

/** The input's verdict, reported; `undefined` when the check failed and the mode fails open. */
async function checkInput(runtime: ChatRuntime, turn: ChatTurn): Promise<Verdict | undefined> {
  let input: Verdict | undefined;
  try {
    input = await runtime.settings.guard.classify(turn.messages, {
      role: 'user',
      signal: turn.controller.signal,
    });
    turn.moderation.checks++;
    turn.moderation.evaluatedTokens += input.usage.evaluatedTokens;
  } catch (error) {
    turn.throwIfAborted();
    if (runtime.decided('request', undefined) === 'fail-closed') throw error;
  }
  runtime.report('user', input);
  return input;
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
