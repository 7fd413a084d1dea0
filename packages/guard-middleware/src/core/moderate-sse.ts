import type { ClassifyOptions, Guard, StreamModerator, StreamStep, Verdict } from '@vigil/guard-core';
import { createStreamModerator } from '@vigil/guard-core';
import { type CheckOutcome, decide, type VigilDecision } from './decision.js';
import { refusalBody } from './error-body.js';
import { parseJsonLike } from './json-like.js';
import type { StreamSettings } from './options.js';
import { newMemory, protocolNamed, protocols } from './protocols/protocols.js';
import {
  type EventReading,
  isRecord,
  type JudgedFields,
  type Protocol,
  type ProtocolName,
  type StreamMemory,
} from './protocols/types.js';
import { failureReason } from './run-check.js';
import { createSseParser, type SseEvent } from './sse.js';

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

/**
 * One stream moderator. Keys (channels, views) share one while each key's text is the end of
 * the text it judges; a key whose text parts from the others', or that gets more text after its
 * moderator was closed, goes on in a moderator of its own that judges its whole text (a
 * continuation, never a fresh start).
 */
interface Channel {
  keys: Set<string>;
  moderator: StreamModerator;
  received: number;
  released: number;
  closed: boolean;
}

interface Held {
  raw: Uint8Array;
  /** How much of each channel's text must be released before this event may go. */
  ends: Array<[Channel, number]>;
  /** Terminal events (`[DONE]`, `message_stop`, `response.completed`) wait for every check. */
  untilEnd: boolean;
}

type Cut = { step: StreamStep } | { unreadable: string };

const cutMarker = Symbol('cut');

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Moderates an upstream's SSE stream of any protocol in the table (OpenAI chat and completions
 * chunks, OpenAI Responses events, Anthropic Messages events), one guard-core stream moderator
 * per channel (choice content, refusal, reasoning, tool arguments, output part, content block).
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
  const enforce = options.mode === 'block';
  const strategy = enforce ? options.strategy : 'progressive';
  const fields = options.fields ?? { toolArguments: true, reasoning: true };
  const parser = createSseParser();
  /** The moderator each key's text is in (a closed one until more text comes). */
  const owner = new Map<string, Channel>();
  /** Every key's whole text: what a client grouping the text that way shows. */
  const texts = new Map<string, string>();
  /** Keys whose snapshot differed from their streamed text: a client that took the snapshot appends later text to it. */
  const forks = new Map<string, string[]>();
  const summaries: StreamStep[] = [];
  const held: Held[] = [];
  /** Each protocol's memory (an event may be read by several). */
  const memories = new Map<ProtocolName, StreamMemory>();
  const memoryOf = (name: ProtocolName) => {
    const existing = memories.get(name);
    if (existing) return existing;
    const created = newMemory();
    memories.set(name, created);
    return created;
  };
  let protocol: Protocol | undefined;
  let guardMs = 0;
  let snapshots = 0;
  let unchecked = 0;
  let cut: Cut | undefined;
  let onCut: () => void = () => {};
  const cutPromise = new Promise<typeof cutMarker>((resolve) => {
    onCut = () => resolve(cutMarker);
  });
  const setCut = (value: Cut) => {
    if (cut || !enforce) return;
    cut = value;
    onCut();
  };

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

  function open(keys: string[]): Channel {
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
    void moderator.cut.then((step) => setCut({ step }));
    const channel: Channel = { keys: new Set(keys), moderator, received: 0, released: 0, closed: false };
    for (const key of keys) owner.set(key, channel);
    return channel;
  }

  async function push(channel: Channel, text: string) {
    channel.received += text.length;
    const step = await channel.moderator.push(text);
    channel.released += step.release.length;
  }

  /**
   * Keys share a moderator while each one's text is the end of the text it judges. Appends
   * `text` to every key in `keys` (a channel, its views, the forks of its snapshots) and
   * judges it in each distinct text it extends; returns the moderators that now hold it.
   */
  async function append(keys: readonly string[], text: string): Promise<Channel[]> {
    const wanted = new Set(keys);
    const judging = new Set<Channel>();
    const fresh: string[] = [];
    for (const key of wanted) {
      const prior = texts.get(key) ?? '';
      texts.set(key, prior + text);
      const channel = owner.get(key);
      if (channel && !channel.closed && [...channel.keys].every((other) => wanted.has(other))) {
        if (!judging.has(channel)) await push(channel, text);
        judging.add(channel);
        continue;
      }
      channel?.keys.delete(key);
      if (prior === '') {
        fresh.push(key);
        continue;
      }
      // More text after a close, or a text that parts from the ones it was judged with: its
      // whole text is judged again, as one.
      const own = open([key]);
      await push(own, prior + text);
      judging.add(own);
    }
    if (fresh.length > 0) {
      // A new key's text so far is this piece, which ends the text of any moderator judging it.
      const [joined] = judging;
      if (joined) {
        for (const key of fresh) {
          joined.keys.add(key);
          owner.set(key, joined);
        }
      } else {
        const channel = open(fresh);
        await push(channel, text);
        judging.add(channel);
      }
    }
    return [...judging];
  }

  async function close(channel: Channel) {
    if (channel.closed) return;
    channel.closed = true;
    const summary = await channel.moderator.end();
    channel.released += summary.release.length;
    summaries.push(summary);
    if (summary.blocked) setCut({ step: summary });
  }

  const openChannels = () => new Set([...owner.values()].filter((channel) => !channel.closed));

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

  /**
   * What an event holds, by the protocol table: the readings of every protocol that knows it
   * (an event that is both an OpenAI chunk and an Anthropic delta is judged as both); `undefined`
   * for an event no protocol knows, or one a protocol cannot read safely.
   */
  function read(event: SseEvent): EventReading | 'none' | undefined {
    if (event.data === undefined) return event.stray ? undefined : 'none';
    if (event.data.trim() === '[DONE]') {
      return {
        protocol: protocol?.name ?? 'openai-chat',
        pieces: [],
        snapshots: [],
        closes: [],
        terminal: true,
      };
    }
    const parsed = parseJsonLike(event.data);
    if (!parsed.ok || !isRecord(parsed.value)) return undefined;
    const data = parsed.value;
    let merged: EventReading | undefined;
    for (const candidate of protocol ? [protocol, ...protocols.filter((p) => p !== protocol)] : protocols) {
      const reading = candidate.readEvent(data, fields, memoryOf(candidate.name));
      if (!reading) continue;
      if (reading.unreadable) return undefined;
      protocol ??= candidate;
      if (!merged) merged = reading;
      else {
        merged.pieces.push(...reading.pieces);
        merged.snapshots.push(...reading.snapshots);
        merged.closes.push(...reading.closes);
        merged.terminal ||= reading.terminal;
      }
    }
    if (merged) return merged;
    // An OpenAI-style error event (`event: error` or a bare `{ error }`): no answer text.
    if (isRecord(data.error)) return 'none';
    return undefined;
  }

  async function handle(event: SseEvent): Promise<Uint8Array[]> {
    const reading = read(event);
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
        setCut({ unreadable: 'an SSE event that no known protocol describes' });
        return [];
      }
      unchecked++;
    } else if (reading !== 'none') {
      for (const piece of reading.pieces) {
        if (piece.text === '') continue;
        const keys = [piece.channel, ...(piece.views ?? []), ...(forks.get(piece.channel) ?? [])];
        for (const channel of await append(keys, piece.text)) ends.push([channel, channel.received]);
      }
      for (const snapshot of reading.snapshots) {
        if (snapshot.text === '' || snapshot.text === (texts.get(snapshot.channel) ?? '')) {
          // Already judged as streamed: the event waits for every check so far.
          for (const channel of openChannels()) ends.push([channel, channel.received]);
          continue;
        }
        // A whole text that differs from what was streamed is judged on its own; a client that
        // takes it and appends later deltas shows it joined to them (a fork, judged as such).
        const fork = `${snapshot.channel}#${++snapshots}`;
        forks.set(snapshot.channel, [...(forks.get(snapshot.channel) ?? []), fork]);
        const [channel] = await append([fork], snapshot.text);
        if (channel) {
          await close(channel);
          ends.push([channel, channel.received]);
        }
      }
      for (const prefix of reading.closes) {
        for (const [key, channel] of owner)
          if (key === prefix || (prefix.endsWith(':') && key.startsWith(prefix))) await close(channel);
      }
      untilEnd = enforce && reading.terminal;
    }
    if (cut) return [];
    if (strategy === 'progressive' && !untilEnd && held.length === 0) return [event.raw];
    held.push({ raw: event.raw, ends, untilEnd });
    return flush(false);
  }

  function ending(): Uint8Array {
    const using =
      protocol ??
      protocolNamed(options.protocol === 'text' ? 'openai-chat' : (options.protocol ?? 'openai-chat'));
    const memory = memoryOf(using.name);
    const current = cut as Cut;
    const verdict = 'step' in current ? current.step.verdict : undefined;
    const blocked = verdict !== undefined && !verdict.safe;
    const reason =
      'unreadable' in current ? current.unreadable : failureReason(current.step.error ?? 'the check failed');
    const kind = blocked ? 'blocked' : 'unreadable' in current ? 'unreadable' : 'unavailable';
    const body = refusalBody(kind, using.name, {
      role: 'assistant',
      reason,
      verdict,
    });
    const text = using.endStream(
      memory,
      blocked && verdict ? { kind: 'blocked', verdict } : { kind: 'failed', reason },
      body,
    );
    return new TextEncoder().encode(text);
  }

  function summarize(error?: unknown): VigilDecision {
    const steps =
      cut && 'step' in cut && !summaries.includes(cut.step) ? [...summaries, cut.step] : summaries;
    const failed = steps.find((step) => step.error !== undefined);
    const unsafe = steps.find((step) => step.verdict?.safe === false);
    const verdict: Verdict | undefined = unsafe?.verdict ?? steps.find((step) => step.verdict)?.verdict;
    const unreadable = cut !== undefined && 'unreadable' in cut ? cut.unreadable : undefined;
    let outcome: CheckOutcome;
    if (error !== undefined) outcome = 'aborted';
    else if (unsafe) outcome = 'unsafe';
    else if (unreadable) outcome = 'unreadable';
    else if (failed) outcome = 'failed';
    else if (steps.length === 0 && unchecked > 0) outcome = 'unreadable';
    else if (steps.length === 0) outcome = 'no-text';
    else outcome = 'safe';
    const decided = decide({
      mode: options.mode,
      failMode: options.failMode,
      passUnknown: options.passUnknown ?? false,
      side: 'response',
      outcome,
    });
    const reasons = [
      error !== undefined ? `stream ended early: ${failureReason(error)}` : undefined,
      unreadable,
      failed && !unsafe ? failureReason(failed.error) : undefined,
      outcome === 'no-text' ? 'no assistant text in the stream' : undefined,
      unchecked > 0 ? `${unchecked} unrecognised event(s) passed unchecked` : undefined,
    ].filter((reason): reason is string => reason !== undefined);
    return {
      role: 'assistant',
      action: decided.action,
      verdict: failed && !unsafe ? undefined : verdict,
      error: error ?? failed?.error,
      durationMs: guardMs,
      reason: reasons.length > 0 ? reasons.join('; ') : undefined,
      streamed: true,
      ...(unchecked > 0 || decided.unchecked ? { unchecked: true } : {}),
    };
  }

  async function finish() {
    for (const channel of openChannels()) await close(channel);
  }

  const iterator = source[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    while (!cut) {
      const next = iterator.next();
      next.catch(() => {});
      const result = enforce ? await Promise.race([next, cutPromise]) : await next;
      if (result === cutMarker) break;
      const events = result.done ? parser.end() : parser.push(result.value);
      const out: Uint8Array[] = [];
      for (const event of events) {
        out.push(...(await handle(event)));
        if (cut) break;
      }
      if (out.length > 0) yield concat(out);
      if (result.done) {
        exhausted = true;
        break;
      }
    }
    if (!enforce) {
      // Annotate and shadow: everything has passed; judge the end without holding the client.
      void finish().then(
        () => options.onDecision(summarize()),
        (error) => options.onDecision(summarize(error)),
      );
      return;
    }
    if (!cut) await finish();
    if (cut) {
      yield ending();
      options.onDecision(summarize());
      return;
    }
    const out = flush(true);
    if (out.length > 0) yield concat(out);
    options.onDecision(summarize());
  } catch (error) {
    options.onDecision(summarize(error));
  } finally {
    if (!exhausted) iterator.return?.()?.catch(() => {});
  }
}
