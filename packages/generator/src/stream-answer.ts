import type { Verdict } from '@vigil/guard-core';
import { createPushable, createStreamSession } from '@vigil/guard-core/internal';
import { endPiece } from './chat-result.js';
import type { ChatRuntime, ChatTurn } from './chat-runtime.js';
import type { ChatPiece, GenerateResult } from './types.js';

/** The queue `createPushable` makes: the backend pushes text, the stream session reads it. */
type TextQueue = ReturnType<typeof createPushable<string>>;

/**
 * Generates the answer on a pooled sequence and streams it through guard-core's stream session:
 * the released text as it is checked, then the refusal notice of a cut or the rest, then the end.
 */
export async function* streamAnswer(
  runtime: ChatRuntime,
  turn: ChatTurn,
  input: Verdict | undefined,
): AsyncGenerator<ChatPiece, void, undefined> {
  const { settings } = runtime;
  const slot = await runtime.pool.acquire([], 0, turn.controller.signal);
  const queue = createPushable<string>();
  // A cut stops generation only; the moderator still gives its summary.
  const cut = new AbortController();
  let generation: Promise<GenerateResult> | undefined;
  try {
    generation = startGeneration(runtime, turn, slot.index, queue, cut.signal);
    const session = createStreamSession({
      guard: settings.guard,
      conversation: turn.messages,
      mode: settings.mode,
      strategy: 'buffer',
      checkEvery: settings.checkEvery,
      failMode: 'closed',
      signal: turn.controller.signal,
    });
    const moderator = session.open();
    let released = '';
    for await (const text of session.drive(queue, {
      async piece(piece) {
        if (session.enforce) return (await moderator.push(piece)).release || undefined;
        moderator.push(piece).catch(() => {});
        return piece;
      },
    })) {
      released += text;
      yield { type: 'text', text };
    }
    turn.throwIfAborted();
    // A cut stops generation at once; the tokens already generated past it are dropped.
    if (session.cut) cut.abort(new Error('cut by the content filter'));
    const generated = await generation;
    turn.throwIfAborted();
    const summary = await session.end(moderator);
    turn.moderation.checks += summary.checks;
    turn.moderation.evaluatedTokens += summary.evaluatedTokens;
    runtime.report('assistant', summary.verdict);
    const verdicts = { input, output: summary.verdict };
    if (session.cut) {
      if (summary.verdict?.safe !== false && summary.error !== undefined) throw summary.error;
      runtime.counters.cutOutputs++;
      const notice = runtime.refusalText({
        role: 'assistant',
        verdict: summary.verdict as Verdict,
        released,
      });
      yield { type: 'text', text: notice };
      const answer = {
        content: released + notice,
        finishReason: 'content_filter',
        refused: 'output',
      } as const;
      yield endPiece(turn, { ...answer, verdicts }, generated);
      return;
    }
    if (summary.release) {
      released += summary.release;
      yield { type: 'text', text: summary.release };
    }
    const finishReason = generated.stopReason === 'length' ? 'length' : 'stop';
    yield endPiece(turn, { content: released, finishReason, refused: undefined, verdicts }, generated);
  } finally {
    // Reached on completion, error, abort and an early `return()` by the consumer.
    if (!turn.controller.signal.aborted) turn.controller.abort(new Error('chat ended'));
    await generation?.catch(() => {});
    runtime.pool.release(slot);
  }
}

/**
 * Starts the backend's generation into `queue` (closed at its end, failed with its error), counts
 * its drafted tokens and keeps it in `runtime.generations` while it runs.
 */
function startGeneration(
  runtime: ChatRuntime,
  turn: ChatTurn,
  sequence: number,
  queue: TextQueue,
  cutSignal: AbortSignal,
): Promise<GenerateResult> {
  const { options } = turn;
  const { defaults } = runtime.settings;
  const generation = runtime.settings.backend.generate(sequence, {
    messages: turn.messages,
    maxTokens: options.maxTokens ?? defaults.maxTokens,
    temperature: options.temperature ?? defaults.temperature,
    topP: options.topP ?? defaults.topP,
    seed: options.seed,
    stop: typeof options.stop === 'string' ? [options.stop] : (options.stop ?? []),
    signal: AbortSignal.any([turn.controller.signal, cutSignal]),
    onText: (text) => {
      if (text !== '') queue.push(text);
    },
  });
  generation.then(
    (result) => {
      if (result.draft) {
        runtime.drafted.drafted += result.draft.drafted;
        runtime.drafted.accepted += result.draft.accepted;
        runtime.drafted.refuted += result.draft.refuted;
      }
      queue.close();
    },
    (error) => queue.fail(error),
  );
  const running = generation.catch(() => {});
  runtime.generations.add(running);
  running.then(() => runtime.generations.delete(running));
  return generation;
}
