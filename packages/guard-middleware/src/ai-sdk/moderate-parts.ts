import type { JSONObject } from '@ai-sdk/provider';
import type { StreamStep } from '@vigil/guard-core';
import { failureReason } from '@vigil/guard-core/internal';
import type { VigilDecision } from '../core/decision.js';
import type { StreamSettings } from '../core/options.js';
import { streamSession } from '../core/stream-session.js';
import { type CheckOutcome, decide, decisionMetadata, failure } from './decide.js';
import { createPartsFeed, type FinishPart, type JudgedParts, type Part } from './parts-feed.js';
import { contentFilterFinish, unknownUsage, withVigil } from './refusal.js';

export interface PartsModerationOptions extends StreamSettings {
  judge: JudgedParts;
  /** `providerMetadata.vigil.request` for the finish part (undefined: no metadata, shadow mode). */
  requestMetadata: JSONObject | undefined;
  /** The parts that end a blocked stream before its `finish`: an `error` part, or a refusal. */
  blockedEnding: (decision: VigilDecision) => Part[];
  /** Called once with the answer's decision. */
  onDecision: (decision: VigilDecision) => void;
}

const failedStep = (error: unknown): StreamStep => ({
  release: '',
  blocked: false,
  verdict: undefined,
  error,
});

/** The outcome of a streamed answer from the moderator's last step. */
function streamOutcome(step: StreamStep, signal: AbortSignal | undefined): CheckOutcome {
  if (step.verdict && !step.verdict.safe) return { kind: 'verdict', verdict: step.verdict };
  if (step.error !== undefined) return failure(step.error, signal);
  if (step.verdict) return { kind: 'verdict', verdict: step.verdict };
  return { kind: 'nothing', reason: 'no assistant text in the stream' };
}

/**
 * The stream as an async iterable whose `return` cancels it at once (a pending read too) and
 * lets go of it; the lock is also let go once the stream has ended.
 */
function readerOf<T>(stream: ReadableStream<T>): AsyncIterable<T> {
  const reader = stream.getReader();
  const release = () => {
    try {
      reader.releaseLock();
    } catch {
      // a read still pending on an old runtime: the cancel settles it
    }
  };
  const iterator: AsyncIterator<T> = {
    async next() {
      const result = await reader.read();
      if (result.done) release();
      return result.done ? { done: true, value: undefined } : result;
    },
    async return() {
      reader.cancel().catch(() => {});
      release();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/**
 * Moderates an AI SDK (`LanguageModelV3`) stream with guard-core's stream session (its loop, cut
 * and strategy). Text, reasoning and tool-input deltas (by option) are judged as one assistant
 * answer, blocks separated by a blank line, and so are whole tool calls, provider-executed tool
 * results and generated `text/*` files.
 * Under `'buffer'` a delta leaves only once its text is checked (a delta is split at the checked
 * boundary, a word end), and `raw` chunks only once the whole answer has passed; under
 * `'progressive'` whole words leave at once and checks run behind them. Other parts keep their
 * place in the order. In `'block'` mode a
 * cut (an unsafe verdict, or a failed check under `failMode: 'closed'`) closes the open blocks,
 * adds `blockedEnding`, and ends with a `finish` part whose reason is `content-filter`; the
 * source is then cancelled. Other modes pass every part as it comes.
 * @example
 * const stream = ReadableStream.from(moderateParts(result.stream, { guard, conversation, mode: 'block', ... }));
 */
export async function* moderateParts(
  source: ReadableStream<Part>,
  options: PartsModerationOptions,
): AsyncGenerator<Part, void, undefined> {
  const session = streamSession(options);
  const moderator = session.open();
  const feed = createPartsFeed(session, moderator, options.judge);

  function report(step: StreamStep): VigilDecision {
    const decision = decide({
      role: 'assistant',
      outcome: streamOutcome(step, options.signal),
      mode: options.mode,
      failMode: options.failMode,
      durationMs: session.guardMs,
      streamed: true,
    });
    options.onDecision(decision);
    return decision;
  }

  function finish(decision: VigilDecision, reason: FinishPart | undefined): FinishPart | undefined {
    if (!reason) return undefined;
    const vigil = options.requestMetadata
      ? { request: options.requestMetadata, response: decisionMetadata(decision) }
      : options.mode === 'shadow'
        ? undefined
        : { response: decisionMetadata(decision) };
    const providerMetadata = withVigil(reason.providerMetadata, vigil);
    return { ...reason, ...(providerMetadata ? { providerMetadata } : {}) };
  }

  try {
    for await (const parts of session.drive(readerOf(source), feed)) yield* parts;
    const finishPart = feed.finishPart();
    if (!session.enforce) {
      yield* feed.releaseAll(false);
      if (options.mode === 'shadow') {
        // Everything has passed; judge the end without holding the caller.
        if (finishPart) yield finishPart;
        session.end(moderator).then(report, (error: unknown) => report(failedStep(error)));
        return;
      }
      // Annotate: only the finish part waits, for the verdict it carries.
      const done = finish(report(await session.end(moderator)), finishPart);
      if (done) yield done;
      return;
    }
    if (!session.cut) {
      const summary = await session.end(moderator);
      if (!session.cut) {
        yield* feed.releaseAll(true);
        const done = finish(report(summary), finishPart);
        if (done) yield done;
        return;
      }
    }
    const step = await moderator.cut;
    yield* feed.flush();
    yield* feed.closeBlocks();
    const decision = report(step);
    yield* options.blockedEnding(decision);
    yield finish(decision, {
      type: 'finish',
      finishReason: contentFilterFinish,
      usage: finishPart?.usage ?? unknownUsage,
      ...(finishPart?.providerMetadata ? { providerMetadata: finishPart.providerMetadata } : {}),
    }) as FinishPart;
  } catch (error) {
    // The provider's stream failed, or the call was aborted: nothing was decided about the answer.
    const outcome = failure(error, options.signal);
    const reason = `stream ended early: ${failureReason(error)}`;
    options.onDecision(
      decide({
        role: 'assistant',
        outcome: outcome.kind === 'aborted' ? outcome : { kind: 'nothing', reason },
        mode: options.mode,
        failMode: options.failMode,
        durationMs: session.guardMs,
        streamed: true,
      }),
    );
    throw error;
  }
}
