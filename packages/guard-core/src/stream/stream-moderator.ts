import { classifyWithin } from '../classify-within.js';
import { withAnswer } from '../conversation/prefill.js';
import { VigilAbortError, VigilDisposedError, VigilInputError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import type { Verdict } from '../verdict/types.js';
import { type StreamModeratorOptions, streamModeratorOptionsSchema } from './stream-options.js';
import { codePointEnd, estimateTokens, hasSentenceEnd, lastWordEnd } from './text-boundary.js';

export type { StreamCheckEvery, StreamModeratorOptions, StreamStrategy } from './stream-options.js';

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
  const { guard, timeoutMs } = parsed;
  /** Aborted by `dispose()`; the caller's signal, when given, aborts it too. */
  const lifetime = new AbortController();
  const signal = parsed.signal ? AbortSignal.any([parsed.signal, lifetime.signal]) : lifetime.signal;
  /** A disposed moderator or guard: every later call rejects with it. */
  let fatal: VigilDisposedError | undefined;
  const { conversation, strategy, failMode } = parsed;
  const { tokens: everyTokens, sentence: atSentences } = parsed.checkEvery;
  /** Past this many characters without a word boundary, check anyway (a code point boundary). */
  const hardLimit = everyTokens * 16;

  let text = '';
  let checkedUpTo = 0;
  let releasedUpTo = 0;
  let verdict: Verdict | undefined;
  let lastError: unknown;
  let blocked = false;
  let ended = false;
  let checks = 0;
  let evaluatedTokens = 0;
  let background: Promise<void> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
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

  /** Where the next check should end, or undefined when none is due yet. */
  function dueCheck(): number | undefined {
    const wordEnd = lastWordEnd(text, checkedUpTo);
    if (wordEnd <= checkedUpTo) {
      return text.length - checkedUpTo >= hardLimit ? codePointEnd(text, text.length) : undefined;
    }
    const window = text.slice(checkedUpTo, wordEnd);
    if (estimateTokens(window) >= everyTokens || (atSentences && hasSentenceEnd(window))) return wordEnd;
    return undefined;
  }

  async function check(upTo: number) {
    const content = text.slice(0, upTo);
    if (content.trim() === '') {
      checkedUpTo = Math.max(checkedUpTo, upTo);
      return;
    }
    checks++;
    try {
      const result = await classifyWithin(guard, withAnswer(conversation, content), {
        ...parsed.classifyOptions,
        role: 'assistant',
        signal,
        timeoutMs,
        label: 'stream check',
      });
      evaluatedTokens += result.usage.evaluatedTokens;
      verdict = result;
      if (result.safe) checkedUpTo = Math.max(checkedUpTo, upTo);
      else block();
    } catch (error) {
      // A disposed guard is not a failed check: no fail mode applies, every later call rejects.
      if (VigilDisposedError.isInstance(error)) fatal ??= error as VigilDisposedError;
      throwIfAborted();
      lastError = error;
      if (failMode === 'closed') block();
      else checkedUpTo = Math.max(checkedUpTo, upTo);
    }
  }

  /** Progressive: one check at a time, behind the text; each covers everything due so far. */
  function checkInBackground() {
    if (background) return;
    background = (async () => {
      for (let upTo = dueCheck(); upTo !== undefined && !blocked; upTo = dueCheck()) await check(upTo);
    })()
      .catch(() => {})
      .finally(() => {
        background = undefined;
      });
  }

  function takeRelease() {
    if (blocked) return '';
    const release = text.slice(releasedUpTo, checkedUpTo);
    releasedUpTo = checkedUpTo;
    return release;
  }

  function serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => {});
    return run;
  }

  async function push(piece: string): Promise<StreamStep> {
    throwIfAborted();
    if (ended)
      throw new VigilInputError('stream moderator push: expected an open stream, received one already ended');
    if (typeof piece !== 'string') {
      throw new VigilInputError(`stream moderator push: expected a string, received ${typeof piece}`);
    }
    if (blocked) return step('');
    text += piece;
    if (strategy === 'progressive') {
      releasedUpTo = text.length;
      checkInBackground();
      return step(piece);
    }
    const upTo = dueCheck();
    if (upTo !== undefined) await check(upTo);
    return step(takeRelease());
  }

  async function end(): Promise<StreamSummary> {
    throwIfAborted();
    if (ended)
      throw new VigilInputError('stream moderator end: expected an open stream, received one already ended');
    ended = true;
    while (background) await background;
    throwIfAborted();
    if (!blocked && (text.length > checkedUpTo || checks === 0)) await check(text.length);
    const release = strategy === 'buffer' ? takeRelease() : '';
    if (!blocked) releasedUpTo = text.length;
    return { ...step(release), text, releasedLength: releasedUpTo, checks, evaluatedTokens };
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
