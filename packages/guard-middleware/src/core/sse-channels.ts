import type { StreamModerator } from '@vigil/guard-core';
import type { StreamSession } from '@vigil/guard-core/internal';

/**
 * One stream moderator. Keys (channels, views) share one while each key's text is the end of
 * the text it judges; a key whose text parts from the others', or that gets more text after its
 * moderator was closed, goes on in a moderator of its own that judges its whole text (a
 * continuation, never a fresh start).
 */
export interface Channel {
  keys: Set<string>;
  moderator: StreamModerator;
  /** Characters pushed into the moderator. */
  received: number;
  /** Characters the moderator has released. */
  released: number;
  closed: boolean;
}

/**
 * The channels of one SSE stream, each judged by a moderator of `session`: every key's whole
 * text (what a client grouping the text that way shows) is judged as it grows.
 */
export function createChannels(session: StreamSession) {
  /** The moderator each key's text is in (a closed one until more text comes). */
  const owner = new Map<string, Channel>();
  /** Every key's whole text. */
  const texts = new Map<string, string>();

  function open(keys: string[]): Channel {
    const channel: Channel = {
      keys: new Set(keys),
      moderator: session.open(),
      received: 0,
      released: 0,
      closed: false,
    };
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

  /** The final check of a channel's moderator (once); its summary goes to the session's. */
  async function close(channel: Channel) {
    if (channel.closed) return;
    channel.closed = true;
    const summary = await session.end(channel.moderator);
    channel.released += summary.release.length;
  }

  /** Closes every channel holding a key that `prefix` names (a key, or a prefix ending in `:`). */
  async function closeNamed(prefix: string) {
    for (const [key, channel] of owner)
      if (key === prefix || (prefix.endsWith(':') && key.startsWith(prefix))) await close(channel);
  }

  const openChannels = () => new Set([...owner.values()].filter((channel) => !channel.closed));

  /** Closes every open channel: the final checks. */
  async function closeAll() {
    for (const channel of openChannels()) await close(channel);
  }

  return { append, close, closeNamed, closeAll, openChannels, textOf: (key: string) => texts.get(key) ?? '' };
}
