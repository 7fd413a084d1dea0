import type { Verdict } from '@vigil/guard-core';

/** The API shapes the middleware reads. */
export type ProtocolName =
  | 'openai-chat'
  | 'openai-completions'
  | 'openai-responses'
  | 'anthropic-messages'
  | 'text';

/** Which answer fields besides the shown text are judged. */
export interface JudgedFields {
  /** Tool-call arguments (chat `tool_calls`, Responses `function_call`, Anthropic `tool_use`). */
  toolArguments: boolean;
  /** Reasoning text (`reasoning_content`, reasoning items and parts, Anthropic `thinking`). */
  reasoning: boolean;
}

/**
 * A piece of answer text on one channel: a choice's content, its refusal, its reasoning, one tool
 * call's arguments, a Responses output part, an Anthropic content block. Each channel is judged
 * on its own, as the assistant turn of the request's conversation.
 */
export interface Piece {
  channel: string;
  text: string;
  /**
   * Other channels the same text is appended to: the groupings other clients make of it (the AI
   * SDK reads `choices[0]` whatever its index; Anthropic's `text` events and a UI appending
   * Responses deltas join every block in arrival order). Each is judged as a text of its own.
   */
  views?: string[] | undefined;
}

/** What one SSE event of a known protocol holds. */
export interface EventReading {
  protocol: ProtocolName;
  /** New text, appended to its channel. */
  pieces: Piece[];
  /** Whole texts of channels (`*.done` events, `response.completed`): judged unless equal to what was streamed. */
  snapshots: Piece[];
  /** Channel prefixes this event ends: they get their final check before the event is released. */
  closes: string[];
  /** Ends the stream (`[DONE]`, `message_stop`, `response.completed`): released only after every check. */
  terminal: boolean;
  /** Set when the event is of this protocol but cannot be read safely (an index no client agrees on). */
  unreadable?: string | undefined;
}

/** What a protocol remembers of a stream, to end it in its own terms. */
export interface StreamMemory {
  /** The latest data object of the stream's protocol (ids, model, created). */
  last: Record<string, unknown> | undefined;
  /** Open channels' owners: chat choice indices, Anthropic block indices. */
  open: Set<number>;
  /** The latest `sequence_number` (Responses). */
  sequence: number | undefined;
  /**
   * What the clients hold, by position: they file each started block (Anthropic) or added item
   * (Responses) at the next position, whatever index it names; for an item, its parts so far.
   */
  positions: number[];
}

/** Why traffic is refused: an unsafe verdict, or a check that could not be made. */
export type Ending = { kind: 'blocked'; verdict: Verdict } | { kind: 'failed'; reason: string };

export interface Protocol {
  name: ProtocolName;
  /** The texts of a JSON answer, or `undefined` when the body is not of this protocol. */
  readAnswer(body: Record<string, unknown>, fields: JudgedFields): Piece[] | undefined;
  /** One SSE event's JSON data, or `undefined` when it is not of this protocol. */
  readEvent(
    data: Record<string, unknown>,
    fields: JudgedFields,
    memory: StreamMemory,
  ): EventReading | undefined;
  /** The SSE text that ends a refused stream in this protocol's terms. */
  endStream(memory: StreamMemory, ending: Ending, body: unknown): string;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const nonEmpty = (pieces: Piece[]): Piece[] => pieces.filter((piece) => piece.text !== '');

/** The `text` of every part that has one (any type: clients show what they can). */
export function partTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => (isRecord(part) && typeof part.text === 'string' ? [part.text] : []));
}

export const emptyReading = (protocol: ProtocolName): EventReading => ({
  protocol,
  pieces: [],
  snapshots: [],
  closes: [],
  terminal: false,
});

/**
 * An index field (`index`, `output_index`, `content_index`): a non-negative integer, `fallback`
 * when absent, or `undefined` for anything else (a string, a fraction, a negative number that
 * `Array.prototype.at` would count from the end): clients disagree on where such text goes.
 */
export function indexField(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
