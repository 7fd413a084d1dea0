import { sseEvent } from '@vigil/guard-core/internal';
import {
  type EventReading,
  indexField,
  isRecord,
  type JudgedFields,
  nonEmpty,
  type Piece,
  type Protocol,
  type StreamMemory,
} from './types.js';

const reasoningPart = (part: unknown) =>
  isRecord(part) && (part.type === 'reasoning' || part.type === 'thinking');

/** Text of `content` (a string or parts); reasoning-typed parts only when reasoning is judged. */
function contentTexts(content: unknown, fields: JudgedFields): { shown: string; reasoning: string } {
  if (typeof content === 'string') return { shown: content, reasoning: '' };
  if (!Array.isArray(content)) return { shown: '', reasoning: '' };
  let shown = '';
  let reasoning = '';
  for (const part of content) {
    if (!isRecord(part)) continue;
    const text =
      typeof part.text === 'string' ? part.text : typeof part.refusal === 'string' ? part.refusal : '';
    if (reasoningPart(part)) reasoning += text;
    else shown += text;
  }
  return { shown, reasoning: fields.reasoning ? reasoning : '' };
}

/**
 * The pieces of one chat choice's `message` (JSON) or `delta` (SSE): `content` (string or parts),
 * `refusal`, an audio answer's `audio.transcript`, `reasoning_content`/`reasoning` (and reasoning
 * parts), `tool_calls[].function.arguments` and the legacy `function_call.arguments`; completions'
 * `text`. Channels are `{at}:{field}`; in a
 * stream each string reasoning field is its own channel (a client may read only one of them).
 */
function choicePieces(
  choice: Record<string, unknown>,
  fields: JudgedFields,
  at: string,
  stream: { views: string[] } | undefined,
): Piece[] {
  const pieces: Piece[] = [];
  const add = (field: string, text: string, viewField: string | undefined = field) =>
    pieces.push({
      channel: `${at}:${field}`,
      text,
      ...(stream && viewField && stream.views.length > 0
        ? { views: stream.views.map((view) => `${view}:${viewField}`) }
        : {}),
    });
  if (typeof choice.text === 'string') add('content', choice.text);
  for (const message of [choice.message, choice.delta]) {
    if (!isRecord(message)) continue;
    const { shown, reasoning } = contentTexts(message.content, fields);
    add('content', shown);
    if (typeof message.refusal === 'string') add('refusal', message.refusal);
    // An audio answer's transcript is text the client shows (`message.audio.transcript`, and
    // `delta.audio.transcript` in a stream).
    if (isRecord(message.audio) && typeof message.audio.transcript === 'string')
      add('audio', message.audio.transcript);
    if (fields.reasoning) {
      // The AI SDK reads `reasoning_content ?? reasoning`; others read one field or the other.
      const preferred = typeof message.reasoning_content === 'string' ? 'reasoning_content' : 'reasoning';
      for (const key of ['reasoning_content', 'reasoning'] as const) {
        const value = message[key];
        if (typeof value !== 'string') continue;
        if (stream) add(key, value, key === preferred ? 'reasoning' : undefined);
        else add('reasoning', value);
      }
      add(stream ? 'reasoning_parts' : 'reasoning', reasoning);
    }
    if (!fields.toolArguments) continue;
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach((call, callPosition) => {
        if (!isRecord(call) || !isRecord(call.function)) return;
        const callIndex = typeof call.index === 'number' ? call.index : callPosition;
        if (typeof call.function.arguments === 'string') add(`tool${callIndex}`, call.function.arguments);
      });
    }
    if (isRecord(message.function_call) && typeof message.function_call.arguments === 'string')
      add('function', message.function_call.arguments);
  }
  return nonEmpty(pieces);
}

function readChoices(body: Record<string, unknown>, fields: JudgedFields): Piece[] | undefined {
  if (!Array.isArray(body.choices)) return undefined;
  return body.choices.flatMap((choice, position) =>
    isRecord(choice)
      ? choicePieces(
          choice,
          fields,
          `c${typeof choice.index === 'number' ? choice.index : position}`,
          undefined,
        )
      : [],
  );
}

/**
 * One chunk. A choice's channels are keyed by its `index`, as the `openai` client groups them
 * (a choice with no index is its own group, `cu`, as that client files it under `undefined`);
 * the first choice of every chunk is also appended to the `p0` view, as the AI SDK reads
 * `choices[0]` whatever its index. An index that is not a non-negative integer is unreadable.
 */
function readChunk(
  name: 'openai-chat' | 'openai-completions',
  data: Record<string, unknown>,
  fields: JudgedFields,
  memory: StreamMemory,
): EventReading | undefined {
  if (!Array.isArray(data.choices)) return undefined;
  memory.last = data;
  const reading: EventReading = { protocol: name, pieces: [], snapshots: [], closes: [], terminal: false };
  data.choices.forEach((choice, position) => {
    if (!isRecord(choice)) return;
    const index = indexField(choice.index, -1);
    if (index === undefined) {
      reading.unreadable = `a choice index that is not a non-negative integer (${JSON.stringify(choice.index)})`;
      return;
    }
    const at = index === -1 ? 'cu' : `c${index}`;
    reading.pieces.push(...choicePieces(choice, fields, at, { views: position === 0 ? ['p0'] : [] }));
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      reading.closes.push(`${at}:`);
      memory.open.delete(Math.max(index, 0));
    } else memory.open.add(Math.max(index, 0));
  });
  return reading;
}

function endChoices(completions: boolean) {
  return (memory: StreamMemory, _ending: unknown, body: unknown): string => {
    const last = memory.last;
    const indices = memory.open.size > 0 ? [...memory.open] : [0];
    const final = {
      id: last?.id ?? 'vigil-content-filter',
      object: last?.object ?? (completions ? 'text_completion' : 'chat.completion.chunk'),
      created: last?.created ?? Math.floor(Date.now() / 1000),
      model: last?.model ?? 'unknown',
      choices: indices.map((index) => ({
        index,
        ...(completions ? { text: '' } : { delta: {} }),
        finish_reason: 'content_filter',
      })),
    };
    return sseEvent(JSON.stringify(final)) + sseEvent(JSON.stringify(body), 'error') + sseEvent('[DONE]');
  };
}

const isCompletion = (body: Record<string, unknown>) =>
  body.object === 'text_completion' ||
  (Array.isArray(body.choices) &&
    body.choices.some((choice) => isRecord(choice) && typeof choice.text === 'string'));

/**
 * OpenAI chat completions: JSON `choices[].message`, SSE `choices[].delta` chunks ending in
 * `[DONE]`. A refused stream ends with a `finish_reason: "content_filter"` chunk, an `error`
 * event and `[DONE]`.
 */
export const openaiChat: Protocol = {
  name: 'openai-chat',
  readAnswer: (body, fields) => (isCompletion(body) ? undefined : readChoices(body, fields)),
  readEvent: (data, fields, memory) =>
    isCompletion(data) ? undefined : readChunk('openai-chat', data, fields, memory),
  endStream: endChoices(false),
};

/** OpenAI legacy completions: `choices[].text`, JSON and SSE; refused streams end like chat's. */
export const openaiCompletions: Protocol = {
  name: 'openai-completions',
  readAnswer: (body, fields) => (isCompletion(body) ? readChoices(body, fields) : undefined),
  readEvent: (data, fields, memory) =>
    isCompletion(data) ? readChunk('openai-completions', data, fields, memory) : undefined,
  endStream: endChoices(true),
};
