import { sseEvent } from '@vigil/guard-core/internal';
import {
  type EventReading,
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
 * `refusal`, `reasoning_content`/`reasoning` (and reasoning parts), `tool_calls[].function.arguments`
 * and the legacy `function_call.arguments`; completions' `text`.
 */
function choicePieces(choice: Record<string, unknown>, fields: JudgedFields, position: number): Piece[] {
  const index = typeof choice.index === 'number' ? choice.index : position;
  const at = `c${index}`;
  const pieces: Piece[] = [];
  if (typeof choice.text === 'string') pieces.push({ channel: `${at}:content`, text: choice.text });
  for (const message of [choice.message, choice.delta]) {
    if (!isRecord(message)) continue;
    const { shown, reasoning } = contentTexts(message.content, fields);
    pieces.push({ channel: `${at}:content`, text: shown });
    if (typeof message.refusal === 'string') pieces.push({ channel: `${at}:refusal`, text: message.refusal });
    if (fields.reasoning) {
      for (const key of ['reasoning_content', 'reasoning'] as const) {
        const value = message[key];
        if (typeof value === 'string') pieces.push({ channel: `${at}:reasoning`, text: value });
      }
      pieces.push({ channel: `${at}:reasoning`, text: reasoning });
    }
    if (!fields.toolArguments) continue;
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach((call, callPosition) => {
        if (!isRecord(call) || !isRecord(call.function)) return;
        const callIndex = typeof call.index === 'number' ? call.index : callPosition;
        if (typeof call.function.arguments === 'string')
          pieces.push({ channel: `${at}:tool${callIndex}`, text: call.function.arguments });
      });
    }
    if (isRecord(message.function_call) && typeof message.function_call.arguments === 'string')
      pieces.push({ channel: `${at}:function`, text: message.function_call.arguments });
  }
  return nonEmpty(pieces);
}

function readChoices(body: Record<string, unknown>, fields: JudgedFields): Piece[] | undefined {
  if (!Array.isArray(body.choices)) return undefined;
  return body.choices.flatMap((choice, position) =>
    isRecord(choice) ? choicePieces(choice, fields, position) : [],
  );
}

function readChunk(
  name: 'openai-chat' | 'openai-completions',
  data: Record<string, unknown>,
  fields: JudgedFields,
  memory: StreamMemory,
): EventReading | undefined {
  const pieces = readChoices(data, fields);
  if (pieces === undefined) return undefined;
  memory.last = data;
  const closes: string[] = [];
  (data.choices as unknown[]).forEach((choice, position) => {
    if (!isRecord(choice)) return;
    const index = typeof choice.index === 'number' ? choice.index : position;
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      closes.push(`c${index}:`);
      memory.open.delete(index);
    } else memory.open.add(index);
  });
  return { protocol: name, pieces, snapshots: [], closes, terminal: false };
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
