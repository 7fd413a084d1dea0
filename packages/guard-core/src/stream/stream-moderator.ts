import type { z } from 'zod';
import { classifyWithin } from '../classify-within.js';
import { withAnswer } from '../conversation/prefill.js';
import { VigilAbortError, VigilDisposedError, VigilInputError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import type { Verdict } from '../verdict/types.js';
import { type StreamModeratorOptions, streamModeratorOptionsSchema } from './stream-options.js';
import { codePointEnd, estimateTokens, hasSentenceEnd, lastWordEnd } from './text-boundary.js';

export type { StreamCheckEvery, StreamModeratorOptions, StreamStrategy } from './stream-options.js';

type ParsedOptions = z.output<typeof streamModeratorOptionsSchema>;

/** What one `push` lets through. */
export interface StreamStep {
  /** Text the caller may now show (empty while held or after a cut). */
  release: string;
  /** True once the stream is cut: nothing more is released. */
  blocked: boolean;
  /** The latest completed check's verdict (the unsafe one after a cut). */
  verdict: Verdict | undefined;
  /** The failure of the latest failed check, if any (it cut the stream under `failMode: 'closed'`). */
  error?: unknown;
}

/** The outcome of a whole answer. */
export interface StreamSummary extends StreamStep {
  /** Everything pushed. */
  text: string;
  /** Characters of `text` released, over the whole stream. */
  releasedLength: number;
  /** Checks run (classify calls). */
  checks: number;
  /** Tokens the model evaluated over all checks (`usage.evaluatedTokens` summed). */
  evaluatedTokens: number;
}

export interface StreamModerator {
  /** Adds a piece of the answer; resolves with what may be released now. Calls are serialized. */
  push(text: string): Promise<StreamStep>;
  /** Ends the answer: a final check covers all of it. Resolves with the remaining release. */
  end(): Promise<StreamSummary>;
  /** Resolves when the stream is cut (unsafe verdict, or a failed check under `failMode: 'closed'`); never otherwise. */
  readonly cut: Promise<StreamStep>;
  /** True once cut. */
  readonly blocked: boolean;
  /**
   * Stops the pending check; later `push`/`end` calls reject with `VigilDisposedError` (as they do
   * once the guard behind it is disposed). Idempotent. Does not dispose the guard.
   */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The answer so far and its two marks: how far it is checked, and how far released. A check is
 * due at a word boundary once the unchecked text holds `every.tokens` (estimated) or, with
 * `every.sentence`, a sentence end; past `every.tokens * 16` characters with no boundary, at a
 * code point boundary anyway.
 */
function createAnswerText(every: { tokens: number; sentence: boolean }) {
  const hardLimit = every.tokens * 16;
  const state = { text: '', checkedUpTo: 0, releasedUpTo: 0 };
  return {
    state,
    /** Where the next check should end, or undefined when none is due yet. */
    due(): number | undefined {
      const { text, checkedUpTo } = state;
      const wordEnd = lastWordEnd(text, checkedUpTo);
      if (wordEnd <= checkedUpTo) {
        return text.length - checkedUpTo >= hardLimit ? codePointEnd(text, text.length) : undefined;
      }
      const window = text.slice(checkedUpTo, wordEnd);
      if (estimateTokens(window) >= every.tokens || (every.sentence && hasSentenceEnd(window)))
        return wordEnd;
      return undefined;
    },
    checked(upTo: number) {
      state.checkedUpTo = Math.max(state.checkedUpTo, upTo);
    },
    /** The checked text not yet released (now released). */
    takeRelease(): string {
      const release = state.text.slice(state.releasedUpTo, state.checkedUpTo);
      state.releasedUpTo = state.checkedUpTo;
      return release;
    },
  };
}

/** Runs tasks one after another, in call order, whatever each one's outcome. */
function createSerializer() {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => {});
    return run;
  };
}

/** One check: the conversation with `content` as the assistant's answer (after any prefill). */
function classifyAnswer(parsed: ParsedOptions, content: string, signal: AbortSignal): Promise<Verdict> {
  return classifyWithin(parsed.guard, withAnswer(parsed.conversation, content), {
    ...parsed.classifyOptions,
    role: 'assistant',
    signal,
    timeoutMs: parsed.timeoutMs,
    label: 'stream check',
  });
}

const expectOpen = (ended: boolean, call: 'push' | 'end') => {
  if (ended)
    throw new VigilInputError(
      `stream moderator ${call}: expected an open stream, received one already ended`,
    );
};

/**
 * Moderates an answer that arrives in pieces (an upstream's SSE, a generator's tokens). Each check
 * classifies `[...conversation, { role: 'assistant', content: textSoFar }]` (after an assistant
 * prefill, the prefill's text + `textSoFar` as one message: `withAnswer`), cut at a word
 * boundary; a local guard reuses the conversation already in its KV cache, so a check costs the
 * new text plus the prompt's fixed tail.
 * @example
 * const moderator = createStreamModerator({ guard, conversation: messages, strategy: 'buffer' });
 * for await (const piece of pieces) {
 *   const step = await moderator.push(piece);
 *   process.stdout.write(step.release);
 *   if (step.blocked) break;
 * }
 * const summary = await moderator.end();
 * process.stdout.write(summary.release);
 */
export function createStreamModerator(options: StreamModeratorOptions): StreamModerator {
  const parsed = parseOrThrow(streamModeratorOptionsSchema, options, 'createStreamModerator options');
  /** Aborted by `dispose()`; the caller's signal, when given, aborts it too. */
  const lifetime = new AbortController();
  const signal = parsed.signal ? AbortSignal.any([parsed.signal, lifetime.signal]) : lifetime.signal;
  /** A disposed moderator or guard: every later call rejects with it. */
  let fatal: VigilDisposedError | undefined;
  const { strategy, failMode } = parsed;
  const answer = createAnswerText(parsed.checkEvery);
  const marks = answer.state;
  let verdict: Verdict | undefined;
  let lastError: unknown;
  let blocked = false;
  let ended = false;
  let checks = 0;
  let evaluatedTokens = 0;
  let background: Promise<void> | undefined;
  const serialize = createSerializer();
  let resolveCut: (step: StreamStep) => void = () => {};
  const cut = new Promise<StreamStep>((resolve) => {
    resolveCut = resolve;
  });

  const step = (release: string): StreamStep => ({
    release,
    blocked,
    verdict,
    ...(lastError === undefined ? {} : { error: lastError }),
  });

  function block() {
    blocked = true;
    resolveCut(step(''));
  }

  function throwIfAborted() {
    if (fatal) throw fatal;
    if (signal.aborted) throw new VigilAbortError('stream moderator: aborted', { cause: signal.reason });
  }

  async function check(upTo: number) {
    const content = marks.text.slice(0, upTo);
    if (content.trim() === '') return answer.checked(upTo);
    checks++;
    try {
      const result = await classifyAnswer(parsed, content, signal);
      evaluatedTokens += result.usage.evaluatedTokens;
      verdict = result;
      if (result.safe) answer.checked(upTo);
      else block();
    } catch (error) {
      // A disposed guard is not a failed check: no fail mode applies, every later call rejects.
      if (VigilDisposedError.isInstance(error)) fatal ??= error as VigilDisposedError;
      throwIfAborted();
      lastError = error;
      if (failMode === 'closed') block();
      else answer.checked(upTo);
    }
  }

  /** Progressive: one check at a time, behind the text; each covers everything due so far. */
  function checkInBackground() {
    if (background) return;
    background = (async () => {
      for (let upTo = answer.due(); upTo !== undefined && !blocked; upTo = answer.due()) await check(upTo);
    })()
      .catch(() => {})
      .finally(() => {
        background = undefined;
      });
  }

  async function push(piece: string): Promise<StreamStep> {
    throwIfAborted();
    expectOpen(ended, 'push');
    if (typeof piece !== 'string') {
      throw new VigilInputError(`stream moderator push: expected a string, received ${typeof piece}`);
    }
    if (blocked) return step('');
    marks.text += piece;
    if (strategy === 'progressive') {
      marks.releasedUpTo = marks.text.length;
      checkInBackground();
      return step(piece);
    }
    const upTo = answer.due();
    if (upTo !== undefined) await check(upTo);
    return step(blocked ? '' : answer.takeRelease());
  }

  async function end(): Promise<StreamSummary> {
    throwIfAborted();
    expectOpen(ended, 'end');
    ended = true;
    while (background) await background;
    throwIfAborted();
    const { text } = marks;
    if (!blocked && (text.length > marks.checkedUpTo || checks === 0)) await check(text.length);
    const release = strategy === 'buffer' && !blocked ? answer.takeRelease() : '';
    if (!blocked) marks.releasedUpTo = text.length;
    return { ...step(release), text, releasedLength: marks.releasedUpTo, checks, evaluatedTokens };
  }

  async function dispose() {
    fatal ??= new VigilDisposedError('stream moderator: the moderator was disposed');
    lifetime.abort(fatal);
  }

  return {
    push: (piece) => serialize(() => push(piece)),
    end: () => serialize(end),
    dispose,
    [Symbol.asyncDispose]: dispose,
    cut,
    get blocked() {
      return blocked;
    },
  };
}
