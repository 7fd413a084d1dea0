import { sseEvent } from '@vigil/guard-core/internal';
import {
  type EventReading,
  emptyReading,
  indexField,
  isRecord,
  type JudgedFields,
  nonEmpty,
  type Piece,
  type Protocol,
  type StreamMemory,
} from './types.js';

const toolItems = new Set(['function_call', 'custom_tool_call', 'mcp_call', 'computer_call']);

/** The pieces of one `output[]` item at `o{index}`: message parts, reasoning, tool-call arguments. */
function itemPieces(item: Record<string, unknown>, index: number, fields: JudgedFields): Piece[] {
  const at = `o${index}`;
  const pieces: Piece[] = [];
  const parts = Array.isArray(item.content) ? item.content : [];
  if (item.type === 'reasoning') {
    if (!fields.reasoning) return [];
    const summary = Array.isArray(item.summary) ? item.summary : [];
    summary.forEach((part, position) => {
      if (isRecord(part) && typeof part.text === 'string')
        pieces.push({ channel: `${at}:s${position}`, text: part.text });
    });
    parts.forEach((part, position) => {
      if (isRecord(part) && typeof part.text === 'string')
        pieces.push({ channel: `${at}:r${position}`, text: part.text });
    });
    return nonEmpty(pieces);
  }
  if (toolItems.has(String(item.type))) {
    if (!fields.toolArguments) return [];
    for (const key of ['arguments', 'input'] as const) {
      const value = item[key];
      if (typeof value === 'string') pieces.push({ channel: `${at}:args`, text: value });
    }
    return nonEmpty(pieces);
  }
  if (typeof item.content === 'string') pieces.push({ channel: `${at}:c0`, text: item.content });
  parts.forEach((part, position) => {
    if (!isRecord(part)) return;
    const text = typeof part.text === 'string' ? part.text : part.refusal;
    if (typeof text === 'string') pieces.push({ channel: `${at}:c${position}`, text });
  });
  return nonEmpty(pieces);
}

function readResponse(body: Record<string, unknown>, fields: JudgedFields): Piece[] | undefined {
  if (!Array.isArray(body.output)) return undefined;
  return body.output.flatMap((item, index) => (isRecord(item) ? itemPieces(item, index, fields) : []));
}

const num = (value: unknown) => (typeof value === 'number' ? value : 0);

/** The `output_text` parts of a response object, in output order (the `openai` client joins them). */
function outputTexts(response: Record<string, unknown>): string[] {
  const output = Array.isArray(response.output) ? response.output : [];
  return output
    .flatMap((item) => (isRecord(item) && Array.isArray(item.content) ? item.content : []))
    .flatMap((part) =>
      isRecord(part) && part.type === 'output_text' && typeof part.text === 'string' && part.text !== ''
        ? [part.text]
        : [],
    );
}

/**
 * A response object's texts, each part on its channel, and the `output_text` the `openai` client
 * shows (every `output_text` part joined in output order) on the `~text` view: in a stream always
 * (compared with the deltas in arrival order), in a JSON answer when it joins several parts.
 */
function responseSnapshots(response: Record<string, unknown>, fields: JudgedFields, stream = true): Piece[] {
  const pieces = readResponse(response, fields) ?? [];
  const texts = outputTexts(response);
  return texts.length > (stream ? 0 : 1) ? [...pieces, { channel: '~text', text: texts.join('') }] : pieces;
}

/** The channel a `response.*` event's text belongs to. */
function channelOf(type: string, data: Record<string, unknown>): string | undefined {
  const at = `o${num(data.output_index)}`;
  if (/^response\.(output_text|refusal)\./.test(type)) return `${at}:c${num(data.content_index)}`;
  if (type.startsWith('response.reasoning_summary_text.')) return `${at}:s${num(data.summary_index)}`;
  if (type.startsWith('response.reasoning_text.')) return `${at}:r${num(data.content_index)}`;
  if (/(arguments|input)\.(delta|done)$/.test(type)) return `${at}:args`;
  return undefined;
}

const judged = (channel: string, fields: JudgedFields) =>
  (fields.reasoning || !/:[sr]\d+$/.test(channel)) && (fields.toolArguments || !channel.endsWith(':args'));

const partsOf = (item: unknown) => (isRecord(item) && Array.isArray(item.content) ? item.content.length : 0);

/**
 * Why an event names another position than the `openai` client files it at (it pushes each added
 * item and part at the next position, and addresses deltas by their indices), or `undefined`.
 * Records the positions of items and parts as they are added.
 */
function misplacedIn(type: string, data: Record<string, unknown>, memory: StreamMemory): string | undefined {
  if (type === 'response.created' && isRecord(data.response)) {
    const output = Array.isArray(data.response.output) ? data.response.output : [];
    memory.positions = output.map(partsOf);
  } else if (type === 'response.output_item.added') {
    const index = num(data.output_index);
    if (index !== memory.positions.length)
      return `an item added at output_index ${index}, which clients file at ${memory.positions.length}`;
    memory.positions.push(partsOf(data.item));
  } else if (type === 'response.content_part.added') {
    const index = num(data.output_index);
    const parts = memory.positions[index];
    if (parts === undefined) return undefined;
    if (num(data.content_index) !== parts)
      return `a part added at content_index ${num(data.content_index)}, which clients file at ${parts}`;
    memory.positions[index] = parts + 1;
  }
  return undefined;
}

/**
 * OpenAI Responses: JSON `output[]` (message `output_text`/`refusal` parts, reasoning summaries
 * and text, function-call arguments), SSE `response.*` events. Any `response.*.delta` event's
 * `delta` is judged (unknown kinds on their own channel); `*.done` events, added items and parts,
 * and the response objects of `response.created`/`completed` are compared with what was streamed.
 * A refused stream ends with `response.incomplete` (reason `content_filter`) or, for a failed
 * check, `response.failed`.
 */
export const openaiResponses: Protocol = {
  name: 'openai-responses',
  readAnswer: (body, fields) =>
    body.object === 'response' || (Array.isArray(body.output) && body.choices === undefined)
      ? responseSnapshots(body, fields, false)
      : undefined,
  readEvent(data, fields, memory): EventReading | undefined {
    const type = data.type;
    if (typeof type !== 'string' || !(type.startsWith('response.') || type === 'error')) return undefined;
    if (typeof data.sequence_number === 'number') memory.sequence = data.sequence_number;
    const reading = emptyReading('openai-responses');
    const bad = (['output_index', 'content_index', 'summary_index'] as const).find(
      (key) => indexField(data[key], 0) === undefined,
    );
    if (bad) {
      reading.unreadable = `an ${bad} that is not a non-negative integer (${JSON.stringify(data[bad])})`;
      return reading;
    }
    const misplaced = misplacedIn(type, data, memory);
    if (misplaced) {
      reading.unreadable = misplaced;
      return reading;
    }
    // Every reading of the event counts: a delta event that also carries a `response` object
    // is read both as the delta and as the snapshot.
    if (isRecord(data.response)) {
      memory.last = data.response;
      reading.snapshots.push(...responseSnapshots(data.response, fields));
      if (/^response\.(completed|incomplete|failed|done)$/.test(type)) reading.terminal = true;
    }
    const channel = channelOf(type, data) ?? `o${num(data.output_index)}:${type}`;
    const wanted = judged(channel, fields);
    if (type.endsWith('.delta') && typeof data.delta === 'string') {
      // A UI appending `response.output_text.delta` events shows every part joined in arrival order.
      const views = type === 'response.output_text.delta' ? { views: ['~text'] } : {};
      if (wanted) reading.pieces.push({ channel, text: data.delta, ...views });
    }
    if (type.endsWith('.done')) {
      for (const key of ['text', 'refusal', 'arguments', 'input'] as const) {
        const value = data[key];
        if (typeof value === 'string' && wanted) reading.snapshots.push({ channel, text: value });
      }
    }
    const index = num(data.output_index);
    if (isRecord(data.item)) reading.snapshots.push(...itemPieces(data.item, index, fields));
    if (isRecord(data.part)) {
      const part = itemPieces({ type: 'message', content: [data.part] }, index, fields)[0];
      if (part) reading.snapshots.push({ channel: `o${index}:c${num(data.content_index)}`, text: part.text });
    }
    if (type === 'response.output_item.done') reading.closes.push(`o${index}:`);
    else if (type.endsWith('.done') && channelOf(type, data)) reading.closes.push(channel);
    return reading;
  },
  endStream(memory, ending, body) {
    const sequence = memory.sequence === undefined ? {} : { sequence_number: memory.sequence + 1 };
    const last = memory.last ?? {};
    const response = {
      id: last.id ?? 'resp_vigil',
      object: 'response',
      created_at: last.created_at ?? Math.floor(Date.now() / 1000),
      model: last.model ?? 'unknown',
      output: [],
      ...(ending.kind === 'blocked'
        ? { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, error: null }
        : {
            status: 'failed',
            incomplete_details: null,
            error: { code: 'server_error', message: (body as { error: { message: string } }).error.message },
          }),
      vigil: (body as { error: { vigil?: unknown } }).error.vigil,
    };
    const type = ending.kind === 'blocked' ? 'response.incomplete' : 'response.failed';
    return sseEvent(JSON.stringify({ type, ...sequence, response }), type);
  },
};
