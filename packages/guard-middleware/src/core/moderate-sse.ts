import type { StreamSession } from '@vigil/guard-core/internal';
import { decide, type VigilDecision } from './decision.js';
import type { StreamSettings } from './options.js';
import type { EventReading, JudgedFields, ProtocolName } from './protocols/types.js';
import { concatBytes, createSseParser, type SseEvent } from './sse.js';
import { type Channel, createChannels } from './sse-channels.js';
import { createEventReader } from './sse-reader.js';
import { cutEnding, streamReport } from './sse-settle.js';
import { streamSession } from './stream-session.js';

export interface SseModerationOptions extends StreamSettings {
  /** Let events no protocol recognises through (marked unchecked) instead of applying `failMode`. Defaults to `false`. */
  passUnknown?: boolean | undefined;
  /** Answer fields judged besides the shown text. Defaults to all (tool arguments and reasoning). */
  fields?: JudgedFields | undefined;
  /** The request's protocol: how to end a refused stream before any event told which it is. Defaults to `'openai-chat'`. */
  protocol?: ProtocolName | undefined;
  /** Called once with the stream's decision (after the last check). */
  onDecision: (decision: VigilDecision) => void;
}

interface Held {
  raw: Uint8Array;
  /** How much of each channel's text must be released before this event may go. */
  ends: Array<[Channel, number]>;
  /** Terminal events (`[DONE]`, `message_stop`, `response.completed`) wait for every check. */
  untilEnd: boolean;
}

/**
 * Feeds the events of one SSE stream to the session's channels and holds each event until the
 * text it carries is released (all of it, for a terminal event).
 */
function createEventFeed(session: StreamSession, options: SseModerationOptions) {
  const channels = createChannels(session);
  const reader = createEventReader(options.fields ?? { toolArguments: true, reasoning: true });
  /** Keys whose snapshot differed from their streamed text: a client that took the snapshot appends later text to it. */
  const forks = new Map<string, string[]>();
  const held: Held[] = [];
  let snapshots = 0;
  let unchecked = 0;

  function flush(everything: boolean): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (held.length > 0) {
      const head = held[0] as Held;
      const ready = head.ends.every(([channel, end]) => end <= channel.released);
      if (!everything && (head.untilEnd || !ready)) break;
      out.push(head.raw);
      held.shift();
    }
    return out;
  }

  /** Judges what the event carries; returns the channels (and how far into each) it waits for. */
  async function judge(reading: EventReading, ends: Array<[Channel, number]>) {
    for (const piece of reading.pieces) {
      if (piece.text === '') continue;
      const keys = [piece.channel, ...(piece.views ?? []), ...(forks.get(piece.channel) ?? [])];
      for (const channel of await channels.append(keys, piece.text)) ends.push([channel, channel.received]);
    }
    for (const snapshot of reading.snapshots) {
      if (snapshot.text === '' || snapshot.text === channels.textOf(snapshot.channel)) {
        // Already judged as streamed: the event waits for every check so far.
        for (const channel of channels.openChannels()) ends.push([channel, channel.received]);
        continue;
      }
      // A whole text that differs from what was streamed is judged on its own; a client that
      // takes it and appends later deltas shows it joined to them (a fork, judged as such).
      const fork = `${snapshot.channel}#${++snapshots}`;
      forks.set(snapshot.channel, [...(forks.get(snapshot.channel) ?? []), fork]);
      const [channel] = await channels.append([fork], snapshot.text);
      if (channel) {
        await channels.close(channel);
        ends.push([channel, channel.received]);
      }
    }
    for (const prefix of reading.closes) await channels.closeNamed(prefix);
  }

  async function handle(event: SseEvent): Promise<Uint8Array[]> {
    const reading = reader.read(event);
    const ends: Array<[Channel, number]> = [];
    let untilEnd = false;
    if (reading === undefined) {
      const decided = decide({
        mode: options.mode,
        failMode: options.failMode,
        passUnknown: options.passUnknown ?? false,
        side: 'response',
        outcome: 'unreadable',
      });
      if (decided.refusal) {
        session.cutUnreadable('an SSE event that no known protocol describes');
        return [];
      }
      unchecked++;
    } else if (reading !== 'none') {
      await judge(reading, ends);
      untilEnd = session.enforce && reading.terminal;
    }
    if (session.cut) return [];
    if (session.strategy === 'progressive' && !untilEnd && held.length === 0) return [event.raw];
    held.push({ raw: event.raw, ends, untilEnd });
    return flush(false);
  }

  /** The released bytes of a batch of events (undefined: none), stopping at a cut. */
  async function events(batch: SseEvent[]): Promise<Uint8Array | undefined> {
    const out: Uint8Array[] = [];
    for (const event of batch) {
      out.push(...(await handle(event)));
      if (session.cut) break;
    }
    return out.length > 0 ? concatBytes(out) : undefined;
  }

  return {
    events,
    /** Every held event, once the whole stream has passed. */
    rest: () => {
      const out = flush(true);
      return out.length > 0 ? concatBytes(out) : undefined;
    },
    finish: () => channels.closeAll(),
    ending: () =>
      cutEnding(session.cut as NonNullable<StreamSession['cut']>, reader.ending(options.protocol)),
    report: (error?: unknown) =>
      streamReport(session, {
        mode: options.mode,
        failMode: options.failMode,
        passUnknown: options.passUnknown ?? false,
        unchecked,
        ...(error === undefined ? {} : { error }),
      }),
  };
}

/**
 * Moderates an upstream's SSE stream of any protocol in the table (OpenAI chat and completions
 * chunks, OpenAI Responses events, Anthropic Messages events), one guard-core stream moderator
 * per channel (choice content, refusal, reasoning, tool arguments, output part, content block),
 * all in one guard-core stream session (its loop, cut and strategy).
 * In `'block'` mode with `strategy: 'buffer'` an event is released only once all its text is
 * checked; an unsafe verdict, a failed check or an unrecognised event under
 * `failMode: 'closed'` ends the output in the stream's protocol's terms and the upstream is no
 * longer read. Released events keep their exact bytes. In the other modes every byte passes.
 * @example
 * const body = ReadableStream.from(moderateSse(upstream.body, { guard, conversation, mode: 'block', ... }));
 */
export async function* moderateSse(
  source: AsyncIterable<Uint8Array>,
  options: SseModerationOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const session = streamSession(options);
  const feed = createEventFeed(session, options);
  const parser = createSseParser();
  try {
    yield* session.drive(source, {
      piece: (chunk) => feed.events(parser.push(chunk)),
      end: () => feed.events(parser.end()),
    });
    if (!session.enforce) {
      // Annotate and shadow: everything has passed; judge the end without holding the client.
      void feed.finish().then(
        () => options.onDecision(feed.report()),
        (error) => options.onDecision(feed.report(error)),
      );
      return;
    }
    if (!session.cut) await feed.finish();
    if (session.cut) {
      yield feed.ending();
      options.onDecision(feed.report());
      return;
    }
    const rest = feed.rest();
    if (rest) yield rest;
    options.onDecision(feed.report());
  } catch (error) {
    options.onDecision(feed.report(error));
  }
}
