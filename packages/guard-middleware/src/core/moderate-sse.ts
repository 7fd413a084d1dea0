import type {
  ClassifyOptions,
  Guard,
  Message,
  StreamModerator,
  StreamStep,
  Verdict,
} from '@vigil/guard-core';
import { createStreamModerator } from '@vigil/guard-core';
import type { VigilAction, VigilDecision } from './decision.js';
import { blockedBody, unavailableBody } from './error-body.js';
import { failureReason } from './run-check.js';
import { chunkTexts, createSseParser, isFinishChunk, type SseEvent, sseEvent } from './sse.js';

export interface SseModerationOptions {
  guard: Pick<Guard, 'classify'>;
  /** The request's conversation: the answer is judged in its context. */
  conversation: readonly Message[];
  mode: 'block' | 'annotate' | 'shadow';
  strategy: 'buffer' | 'progressive';
  checkTokens: number;
  timeoutMs: number;
  failMode: 'open' | 'closed';
  categories?: readonly string[] | undefined;
  /** The client's signal: a disconnect aborts pending checks. */
  signal?: AbortSignal | undefined;
  /** Called once with the stream's decision (after the last check). */
  onDecision: (decision: VigilDecision) => void;
}

interface Choice {
  moderator: StreamModerator;
  received: number;
  released: number;
}

interface Held {
  raw: string;
  /** Per choice index, how much of its text must be released before this event may go. */
  ends: Array<[number, number]>;
  /** Terminal events (`finish_reason`, `[DONE]`) wait for the final check. */
  untilEnd: boolean;
}

const cutMarker = Symbol('cut');
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * Moderates an upstream's SSE stream in the OpenAI chunk format (chat completions, and
 * completions' `text` chunks) with guard-core's streaming moderator, one per choice. In `'block'`
 * mode an unsafe verdict (or a failed check under `failMode: 'closed'`) ends the output with a
 * chunk whose `finish_reason` is `content_filter`, an `error` event with the error body, and
 * `[DONE]`; the upstream is then no longer read. In the other modes every byte passes unchanged.
 * @example
 * const body = ReadableStream.from(moderateSse(upstream.body, { guard, conversation, mode: 'block', ... }));
 */
export async function* moderateSse(
  source: AsyncIterable<Uint8Array>,
  options: SseModerationOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const enforce = options.mode === 'block';
  const strategy = enforce ? options.strategy : 'progressive';
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  const choices = new Map<number, Choice>();
  const held: Held[] = [];
  let guardMs = 0;
  let lastChunk: Record<string, unknown> | undefined;
  let cut: { index: number; step: StreamStep } | undefined;
  let onCut: () => void = () => {};
  const cutPromise = new Promise<typeof cutMarker>((resolve) => {
    onCut = () => resolve(cutMarker);
  });

  const timedGuard: Pick<Guard, 'classify'> = {
    async classify(input, classifyOptions) {
      const started = performance.now();
      try {
        return await options.guard.classify(input, classifyOptions);
      } finally {
        guardMs += performance.now() - started;
      }
    },
  };
  const classifyOptions: Omit<ClassifyOptions, 'role' | 'signal'> = options.categories
    ? { categories: options.categories }
    : {};

  function choice(index: number): Choice {
    let entry = choices.get(index);
    if (entry) return entry;
    const moderator = createStreamModerator({
      guard: timedGuard,
      conversation: options.conversation,
      strategy,
      checkEvery: { tokens: options.checkTokens, sentence: true },
      classifyOptions,
      timeoutMs: options.timeoutMs,
      failMode: enforce ? options.failMode : 'open',
      signal: options.signal,
    });
    void moderator.cut.then((step) => {
      if (cut || !enforce) return;
      cut = { index, step };
      onCut();
    });
    entry = { moderator, received: 0, released: 0 };
    choices.set(index, entry);
    return entry;
  }

  function flush(all: boolean): string {
    let out = '';
    while (held.length > 0) {
      const head = held[0] as Held;
      const ready = head.ends.every(([index, end]) => end <= (choices.get(index)?.released ?? 0));
      if (!all && (head.untilEnd || !ready)) break;
      out += head.raw;
      held.shift();
    }
    return out;
  }

  async function handle(event: SseEvent): Promise<string> {
    let data: unknown;
    if (event.data !== undefined && event.data !== '[DONE]') {
      try {
        data = JSON.parse(event.data);
      } catch {
        data = undefined;
      }
    }
    if (isRecord(data) && typeof data.id === 'string') lastChunk = data;
    const ends: Array<[number, number]> = [];
    for (const { index, text } of chunkTexts(data)) {
      const entry = choice(index);
      entry.received += text.length;
      ends.push([index, entry.received]);
      const step = await entry.moderator.push(text);
      entry.released += step.release.length;
    }
    const untilEnd = enforce && (event.data === '[DONE]' || isFinishChunk(data));
    if (strategy === 'progressive' && !untilEnd && held.length === 0) return event.raw;
    held.push({ raw: event.raw, ends, untilEnd });
    return flush(false);
  }

  function cutEvents(index: number, step: StreamStep): string {
    const body =
      step.verdict && !step.verdict.safe
        ? blockedBody(step.verdict)
        : unavailableBody('assistant', failureReason(step.error));
    const chat = lastChunk?.object !== 'text_completion';
    const final = {
      id: lastChunk?.id ?? 'vigil-content-filter',
      object: lastChunk?.object ?? 'chat.completion.chunk',
      created: lastChunk?.created ?? Math.floor(Date.now() / 1000),
      model: lastChunk?.model ?? 'unknown',
      choices: [{ index, ...(chat ? { delta: {} } : { text: '' }), finish_reason: 'content_filter' }],
    };
    return sseEvent(JSON.stringify(final)) + sseEvent(JSON.stringify(body), 'error') + sseEvent('[DONE]');
  }

  async function finish(): Promise<VigilDecision> {
    const summaries = [];
    for (const [index, entry] of choices) {
      const summary = await entry.moderator.end();
      entry.released += summary.release.length;
      summaries.push(summary);
      if (summary.blocked && enforce && !cut) cut = { index, step: summary };
    }
    return decide(summaries);
  }

  function decide(steps: readonly StreamStep[], error?: unknown): VigilDecision {
    const failed = steps.find((step) => step.error !== undefined);
    const unsafe = steps.find((step) => step.verdict?.safe === false);
    const verdict: Verdict | undefined = unsafe?.verdict ?? steps.find((step) => step.verdict)?.verdict;
    let action: VigilAction;
    if (error !== undefined || steps.length === 0) action = 'skip';
    else if (unsafe) action = enforce ? 'block' : 'flag';
    else if (failed) action = enforce && options.failMode === 'closed' ? 'fail-closed' : 'fail-open';
    else action = 'allow';
    const reason =
      error !== undefined
        ? `stream ended early: ${failureReason(error)}`
        : steps.length === 0
          ? 'no assistant text in the stream'
          : failed
            ? failureReason(failed.error)
            : undefined;
    return {
      role: 'assistant',
      action,
      verdict: failed && !unsafe ? undefined : verdict,
      error: error ?? failed?.error,
      durationMs: guardMs,
      reason,
      streamed: true,
    };
  }

  const iterator = source[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    while (!cut) {
      const next = iterator.next();
      next.catch(() => {});
      const result = enforce ? await Promise.race([next, cutPromise]) : await next;
      if (result === cutMarker) break;
      const events = result.done
        ? parser.push(decoder.decode()).concat(parser.end())
        : parser.push(decoder.decode(result.value, { stream: true }));
      for (const event of events) {
        const out = await handle(event);
        if (out) yield encoder.encode(out);
        if (cut) break;
      }
      if (result.done) {
        exhausted = true;
        break;
      }
    }
    if (!enforce) {
      // Annotate and shadow: everything has passed; judge the end without holding the client.
      void finish().then(options.onDecision, (error) => options.onDecision(decide([], error)));
      return;
    }
    const decision = cut ? undefined : await finish();
    if (cut !== undefined) {
      yield encoder.encode(cutEvents(cut.index, cut.step));
      options.onDecision(decide([cut.step]));
      return;
    }
    const out = flush(true);
    if (out) yield encoder.encode(out);
    if (decision) options.onDecision(decision);
  } catch (error) {
    options.onDecision(decide([], error));
  } finally {
    if (!exhausted) iterator.return?.()?.catch(() => {});
  }
}
