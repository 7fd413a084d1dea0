import { sseEvent } from '@vigil/guard-core/internal';
import {
  type EventReading,
  emptyReading,
  indexField,
  isRecord,
  type JudgedFields,
  type Piece,
  type Protocol,
} from './types.js';

const viewOf: Record<string, string> = { text_delta: '~text', thinking_delta: '~thinking' };

const eventTypes = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);

/** The text of one content block (or block delta) a client shows, by kind. */
function blockText(block: Record<string, unknown>, fields: JudgedFields): string {
  switch (block.type) {
    case 'text':
    case 'text_delta':
      return typeof block.text === 'string' ? block.text : '';
    case 'thinking':
    case 'thinking_delta':
      return fields.reasoning && typeof block.thinking === 'string' ? block.thinking : '';
    case 'input_json_delta':
      return fields.toolArguments && typeof block.partial_json === 'string' ? block.partial_json : '';
    case 'tool_use':
    case 'server_tool_use': {
      if (!fields.toolArguments || !isRecord(block.input) || Object.keys(block.input).length === 0) return '';
      return JSON.stringify(block.input);
    }
    default:
      // Unknown kinds: any `text` they carry is judged.
      return typeof block.text === 'string' ? block.text : '';
  }
}

function readMessage(body: Record<string, unknown>, fields: JudgedFields): Piece[] | undefined {
  if (!Array.isArray(body.content)) return undefined;
  return body.content.flatMap((block, index) => {
    const text = isRecord(block) ? blockText(block, fields) : '';
    return text ? [{ channel: `b${index}`, text }] : [];
  });
}

/**
 * Anthropic Messages: JSON `content[]` blocks (`text`, `thinking`, `tool_use` input), SSE
 * `content_block_delta` events (`text_delta`, `thinking_delta`, `input_json_delta`), each block
 * its own channel. A refused stream closes the open blocks and ends with a `message_delta` whose
 * `stop_reason` is `refusal`, then `message_stop` (an `error` event for a failed check).
 */
export const anthropicMessages: Protocol = {
  name: 'anthropic-messages',
  readAnswer(body, fields) {
    if (body.type !== 'message' || body.role !== 'assistant') return undefined;
    const pieces = readMessage(body, fields);
    // Several text blocks are shown joined (as the stream's `text` events join them): judged so too.
    const texts = (Array.isArray(body.content) ? body.content : []).flatMap((block) =>
      isRecord(block) && block.type === 'text' && typeof block.text === 'string' && block.text !== ''
        ? [block.text]
        : [],
    );
    return pieces && texts.length > 1 ? [...pieces, { channel: '~text', text: texts.join('') }] : pieces;
  },
  readEvent(data, fields, memory): EventReading | undefined {
    const type = data.type;
    if (typeof type !== 'string' || !eventTypes.has(type)) return undefined;
    if (type === 'error' && !isRecord(data.error)) return undefined;
    const reading = emptyReading('anthropic-messages');
    const index = indexField(data.index, 0);
    if (index === undefined) {
      reading.unreadable = `a block index that is not a non-negative integer (${JSON.stringify(data.index)})`;
      return reading;
    }
    if (type === 'message_start' && isRecord(data.message)) {
      memory.last = data.message;
      memory.positions = Array.isArray(data.message.content) ? data.message.content.map(() => 0) : [];
      reading.snapshots.push(...(readMessage(data.message, fields) ?? []));
    } else if (type === 'content_block_start' && isRecord(data.content_block)) {
      // The SDK files a started block at the next position, and its deltas by their index.
      if (index !== memory.positions.length) {
        reading.unreadable = `a block started at index ${index}, which clients file at ${memory.positions.length}`;
        return reading;
      }
      memory.positions.push(0);
      memory.open.add(index);
      const text = blockText(data.content_block, fields);
      if (text) reading.snapshots.push({ channel: `b${index}`, text });
    } else if (type === 'content_block_delta' && isRecord(data.delta)) {
      const text = blockText(data.delta, fields);
      // The SDK's `text` and `thinking` events carry every such delta, whatever its block, in
      // arrival order: a UI that appends them shows the blocks joined.
      const view = viewOf[String(data.delta.type)];
      if (text) reading.pieces.push({ channel: `b${index}`, text, ...(view ? { views: [view] } : {}) });
    } else if (type === 'content_block_stop') {
      memory.open.delete(index);
      reading.closes.push(`b${index}`);
    } else if (type === 'message_delta' || type === 'message_stop') {
      reading.terminal = true;
    }
    return reading;
  },
  endStream(memory, ending, body) {
    let out = '';
    for (const index of memory.open)
      out += sseEvent(JSON.stringify({ type: 'content_block_stop', index }), 'content_block_stop');
    if (ending.kind === 'failed') return out + sseEvent(JSON.stringify(body), 'error');
    const delta = {
      type: 'message_delta',
      delta: { stop_reason: 'refusal', stop_sequence: null },
      usage: { output_tokens: 0 },
    };
    return (
      out +
      sseEvent(JSON.stringify(delta), 'message_delta') +
      sseEvent(JSON.stringify({ type: 'message_stop' }), 'message_stop')
    );
  },
};
