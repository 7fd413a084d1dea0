/** One server-sent event, with its exact text for re-emitting. */
export interface SseEvent {
  /** The event as received, terminating blank line included. */
  raw: string;
  /** The `event:` field, if any. */
  event: string | undefined;
  /** The `data:` lines joined by `\n`, or `undefined` for an event without data (a comment). */
  data: string | undefined;
}

/**
 * An incremental SSE parser over decoded text. Bytes must be decoded with a streaming
 * `TextDecoder` first (so no UTF-8 character is split); events may span any number of pushes.
 * @example
 * const parser = createSseParser();
 * parser.push('data: {"a":1}\n\nda'); // [{ raw: 'data: {"a":1}\n\n', event: undefined, data: '{"a":1}' }]
 */
export function createSseParser() {
  let buffer = '';
  const parse = (raw: string): SseEvent => {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of raw.split(/\r\n|\r|\n/)) {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    return { raw, event, data: data.length > 0 ? data.join('\n') : undefined };
  };
  return {
    /** Adds text; returns the events it completes. */
    push(text: string): SseEvent[] {
      buffer += text;
      const events: SseEvent[] = [];
      for (let match = /\r\n\r\n|\n\n|\r\r/.exec(buffer); match; match = /\r\n\r\n|\n\n|\r\r/.exec(buffer)) {
        const end = match.index + match[0].length;
        events.push(parse(buffer.slice(0, end)));
        buffer = buffer.slice(end);
      }
      return events;
    },
    /** The unterminated rest at end of stream, as a last event (or none). */
    end(): SseEvent[] {
      const rest = buffer;
      buffer = '';
      return rest.trim() === '' ? [] : [parse(rest)];
    },
  };
}

/** Formats an SSE event. */
export function sseEvent(data: string, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}

/** A chat completion chunk's content pieces, by choice index (`delta.content`, or `text` of completions). */
export function chunkTexts(data: unknown): Array<{ index: number; text: string }> {
  if (typeof data !== 'object' || data === null) return [];
  const choices = (data as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return [];
  const texts: Array<{ index: number; text: string }> = [];
  for (const choice of choices) {
    if (typeof choice !== 'object' || choice === null) continue;
    const { index, delta, text } = choice as {
      index?: unknown;
      delta?: { content?: unknown };
      text?: unknown;
    };
    const content = typeof delta?.content === 'string' ? delta.content : typeof text === 'string' ? text : '';
    if (content) texts.push({ index: typeof index === 'number' ? index : 0, text: content });
  }
  return texts;
}

/** True for a chunk that ends a choice (`finish_reason` set). */
export function isFinishChunk(data: unknown): boolean {
  const choices = (data as { choices?: unknown } | null)?.choices;
  return (
    Array.isArray(choices) &&
    choices.some((choice) => typeof choice === 'object' && choice !== null && choice.finish_reason)
  );
}
