import { parseJsonLike } from './json-like.js';
import { newMemory, protocolNamed, protocols } from './protocols/protocols.js';
import {
  type EventReading,
  isRecord,
  type JudgedFields,
  type Protocol,
  type ProtocolName,
  type StreamMemory,
} from './protocols/types.js';
import type { SseEvent } from './sse.js';

/**
 * Reads the events of one SSE stream by the protocol table. The first protocol that knows an
 * event becomes the stream's protocol (tried first from then on); each protocol keeps its own
 * memory of the stream, to end it in its own terms.
 */
export function createEventReader(fields: JudgedFields) {
  const memories = new Map<ProtocolName, StreamMemory>();
  const memoryOf = (name: ProtocolName) => {
    const existing = memories.get(name);
    if (existing) return existing;
    const created = newMemory();
    memories.set(name, created);
    return created;
  };
  let protocol: Protocol | undefined;

  /**
   * What an event holds: the readings of every protocol that knows it (an event that is both an
   * OpenAI chunk and an Anthropic delta is judged as both); `'none'` for an event with no answer
   * text; `undefined` for an event no protocol knows, or one a protocol cannot read safely.
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

  /** The protocol to end the stream in: the stream's own, else the request's (`fallback`). */
  function ending(fallback: ProtocolName | undefined): { protocol: Protocol; memory: StreamMemory } {
    const using =
      protocol ?? protocolNamed(fallback === 'text' ? 'openai-chat' : (fallback ?? 'openai-chat'));
    return { protocol: using, memory: memoryOf(using.name) };
  }

  return { read, ending };
}
