import type { Guard } from '../guard.js';
import { parseOrThrow } from '../validation.js';
import { type StreamDecision, streamDecision } from '../wire/decide.js';
import type { VigilMode } from '../wire/modes.js';
import {
  createStreamModerator,
  type StreamModerator,
  type StreamStep,
  type StreamSummary,
} from './stream-moderator.js';
import { type StreamModeratorOptions, streamModeratorOptionsSchema } from './stream-options.js';

export interface StreamSessionOptions extends StreamModeratorOptions {
  /**
   * `'block'` enforces: a cut ends the stream. `'annotate'` and `'shadow'` release everything at
   * once and the checks only observe (`streamDecision`). Defaults to `'block'`.
   */
  mode?: VigilMode | undefined;
}

/**
 * Why a stream was cut: a moderator's step (an unsafe verdict, or a failed check under
 * `failMode: 'closed'`), or a piece the caller could not read and the fail mode refuses.
 */
export type StreamCut = { step: StreamStep } | { unreadable: string };

/** What a caller's code does with the pieces of its source: see {@link StreamSession.drive}. */
export interface StreamFeed<Piece, Output> {
  /** Feeds one piece's text to the session's moderators; resolves with what may go out now (`undefined`: nothing). */
  piece(piece: Piece): Promise<Output | undefined>;
  /** Called once when the source ends (never after a cut); resolves with what its end lets out. */
  end?(): Promise<Output | undefined>;
}

/**
 * One moderated stream: the decided settings, its moderators (one per channel of text), its cut,
 * the time spent in the guard, and the one loop that reads the source.
 */
export interface StreamSession extends StreamDecision {
  /** A moderator with the session's settings, on the session's timed guard; its cut cuts the session. */
  open(): StreamModerator;
  /** Ends a moderator (its final check) and keeps its summary in `summaries`; a blocked end cuts the session. */
  end(moderator: StreamModerator): Promise<StreamSummary>;
  /** Cuts the stream for a piece the caller cannot read (only when enforcing; the first cut stays). */
  cutUnreadable(reason: string): void;
  /** The cut, once the stream is cut (never when not enforcing). */
  readonly cut: StreamCut | undefined;
  /** The summaries of the moderators ended through `end`, in order. */
  readonly summaries: readonly StreamSummary[];
  /** Milliseconds spent waiting for the guard, every check of every moderator summed. */
  readonly guardMs: number;
  /**
   * The stream loop: reads `source` piece by piece, hands each to `feed.piece` and yields what it
   * releases, then `feed.end`'s release when the source ends. When enforcing, a cut stops the
   * reading at once (even while the source is waiting for its next piece). The source's iterator
   * is returned whenever it is left before its end: cut, or the consumer stopped.
   */
  drive<Piece, Output>(
    source: AsyncIterable<Piece>,
    feed: StreamFeed<Piece, Output>,
  ): AsyncGenerator<Output, void, undefined>;
}

const cutMarker = Symbol('cut');

/**
 * Creates the session behind every moderated stream (guard-core's `moderateStream`, the
 * middleware's SSE and AI SDK streams, the generator's tokens): `streamDecision` turns the mode,
 * fail mode and strategy into what the moderators apply, and `drive` is the one loop over the
 * source.
 * @example
 * const session = createStreamSession({ guard, conversation, mode: 'block', strategy: 'buffer' });
 * const moderator = session.open();
 * for await (const text of session.drive(tokens, {
 *   piece: async (token) => (await moderator.push(token)).release || undefined,
 * })) process.stdout.write(text);
 * const summary = await session.end(moderator);
 */
export function createStreamSession(options: StreamSessionOptions): StreamSession {
  const { mode = 'block', ...moderatorOptions } = options;
  const parsed = parseOrThrow(
    streamModeratorOptionsSchema,
    moderatorOptions,
    'createStreamModerator options',
  );
  const decision = streamDecision({ mode, failMode: parsed.failMode, strategy: parsed.strategy });
  let guardMs = 0;
  const guard: Pick<Guard, 'classify'> = {
    async classify(input, classifyOptions) {
      const started = performance.now();
      try {
        return await parsed.guard.classify(input, classifyOptions);
      } finally {
        guardMs += performance.now() - started;
      }
    },
  };
  const summaries: StreamSummary[] = [];
  let cut: StreamCut | undefined;
  let onCut: () => void = () => {};
  const whenCut = new Promise<typeof cutMarker>((resolve) => {
    onCut = () => resolve(cutMarker);
  });
  const setCut = (value: StreamCut) => {
    if (cut || !decision.enforce) return;
    cut = value;
    onCut();
  };

  function open(): StreamModerator {
    const moderator = createStreamModerator({
      ...parsed,
      guard,
      strategy: decision.strategy,
      failMode: decision.failMode,
    });
    void moderator.cut.then((step) => setCut({ step }));
    return moderator;
  }

  async function end(moderator: StreamModerator): Promise<StreamSummary> {
    const summary = await moderator.end();
    summaries.push(summary);
    if (summary.blocked) setCut({ step: summary });
    return summary;
  }

  async function* drive<Piece, Output>(
    source: AsyncIterable<Piece>,
    feed: StreamFeed<Piece, Output>,
  ): AsyncGenerator<Output, void, undefined> {
    const iterator = source[Symbol.asyncIterator]();
    let exhausted = false;
    try {
      while (!cut) {
        const next = iterator.next();
        next.catch(() => {});
        const result = decision.enforce ? await Promise.race([next, whenCut]) : await next;
        if (result === cutMarker) break;
        if (result.done) {
          exhausted = true;
          const last = await feed.end?.();
          if (last !== undefined) yield last;
          break;
        }
        const output = await feed.piece(result.value);
        if (output !== undefined) yield output;
      }
    } finally {
      if (!exhausted) iterator.return?.()?.catch(() => {});
    }
  }

  return {
    ...decision,
    open,
    end,
    cutUnreadable: (reason) => setCut({ unreadable: reason }),
    drive,
    summaries,
    get cut() {
      return cut;
    },
    get guardMs() {
      return guardMs;
    },
  };
}
