// Random framings of random answers, per protocol: what an upstream could send. Built with
// fast-check's `gen()` so every choice shrinks. The answer's texts may hold MARKER (whole, or
// split at any character across deltas, choices, blocks or parts); the framing varies SSE line
// ends, `data:` spacing, multi-line data, comments, `id`/`retry`/`event` fields, a BOM, byte
// splits anywhere (inside UTF-8 sequences too), extra fields, duplicate keys, mixed shapes, and
// events out of the usual order (deltas after a close, interleaved channels, snapshots that
// disagree with the deltas).
import fc from 'fast-check';
import { MARKER, type UpstreamAnswer } from './response-apps.js';
import type { ResponseProtocol } from './response-clients.js';

type G = fc.GeneratorValue;

/** A small random source over a fast-check generator. */
function source(g: G) {
  const int = (min: number, max: number) => g(fc.integer, { min, max });
  return {
    int,
    chance: (percent: number) => int(0, 99) < percent,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
  };
}
type Random = ReturnType<typeof source>;

const WORDS = [
  'Hello',
  'there',
  'café',
  'naïve',
  '日本語',
  'fine',
  'day',
  '😀',
  'ok',
  'and',
  'so',
  'UNSAFE',
  'WORD',
];

/**
 * A short text; with `unsafe`, MARKER sits somewhere in it. The halves of the marker appear as
 * words of their own only in unsafe answers (where joining channels may form it).
 */
function text(random: Random, unsafe: boolean, halves = unsafe): string {
  const pool = halves ? WORDS : WORDS.filter((word) => word !== 'UNSAFE');
  const words = Array.from({ length: random.int(1, 5) }, () => random.pick(pool));
  if (unsafe) words.splice(random.int(0, words.length), 0, MARKER);
  return words.join(random.pick([' ', '', ' ']));
}

/** `value` cut into 1..4 pieces at random code points (a marker may be cut anywhere). */
function split(random: Random, value: string): string[] {
  const points = [...value];
  if (points.length < 2) return [value];
  const cuts = new Set(Array.from({ length: random.int(0, 3) }, () => random.int(1, points.length - 1)));
  const sorted = [...cuts].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const cut of [...sorted, points.length]) {
    pieces.push(points.slice(from, cut).join(''));
    from = cut;
  }
  return pieces;
}

/** Merges per-channel event lists, keeping each list's order (or not, with a swap). */
function interleave<T>(random: Random, lists: T[][], disorder: boolean): T[] {
  const queues = lists.map((list) => [...list]);
  const out: T[] = [];
  while (queues.some((queue) => queue.length > 0)) {
    const open = queues.filter((queue) => queue.length > 0);
    out.push(random.pick(open).shift() as T);
  }
  if (disorder && out.length > 2) {
    const at = random.int(0, out.length - 2);
    [out[at], out[at + 1]] = [out[at + 1] as T, out[at] as T];
  }
  return out;
}

/** How far from the usual an answer strays. */
interface Shape {
  unsafe: boolean;
  /** Events out of order, deltas after a close, disagreeing snapshots, odd indices. */
  disorder: boolean;
  /** Foreign protocols' fields in some events. */
  mixed: boolean;
}

type Event = Record<string, unknown> | string;

/** An Anthropic stream's first event: an empty assistant message. */
export const anthropicMessageStart = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 0 },
  },
};

function chatEvents(random: Random, shape: Shape, completions: boolean): Event[] {
  const n = random.int(1, 3);
  const unsafeChoice = random.int(0, n - 1);
  const base = {
    id: 'c1',
    object: completions ? 'text_completion' : 'chat.completion.chunk',
    created: 1,
    model: 'm',
  };
  const lists = Array.from({ length: n }, (_, index) => {
    const field = completions ? 'text' : random.pick(['content', 'content', 'reasoning_content', 'refusal']);
    const pieces = split(random, text(random, shape.unsafe && index === unsafeChoice, shape.unsafe));
    const choice = (value: string, finish: string | null) => {
      const at = shape.disorder && random.chance(10) ? {} : { index };
      return completions
        ? { ...at, text: value, finish_reason: finish }
        : { ...at, delta: value === '' ? {} : { [field]: value }, finish_reason: finish };
    };
    const events: Array<Record<string, unknown>> = pieces.map((piece, position) => {
      const event = { ...base, choices: [choice(piece, null)] };
      // The first delta names the role, as OpenAI's do.
      if (!completions && position === 0)
        Object.assign((event.choices[0] as { delta: object }).delta, { role: 'assistant' });
      return event;
    });
    const close = { ...base, choices: [choice('', 'stop')] };
    // Deltas after the finish_reason chunk.
    if (shape.disorder && random.chance(40) && events.length > 1)
      events.splice(random.int(1, events.length - 1), 0, close);
    else events.push(close);
    return events;
  });
  const events: Event[] = interleave(random, lists, shape.disorder);
  // Several choices in one chunk.
  if (random.chance(20) && events.length > 1) {
    const [first, second] = events.splice(0, 2) as Array<Record<string, unknown>>;
    events.unshift({
      ...base,
      choices: [
        ...((first?.choices as unknown[] | undefined) ?? []),
        ...((second?.choices as unknown[] | undefined) ?? []),
      ],
    });
  }
  if (random.chance(30))
    events.push({ ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } });
  events.push('[DONE]');
  return events;
}

function anthropicEvents(random: Random, shape: Shape): Event[] {
  const blocks = random.int(1, 3);
  const unsafeBlock = random.int(0, blocks - 1);
  const lists = Array.from({ length: blocks }, (_, index) => {
    const thinking = random.chance(25);
    const pieces = split(random, text(random, shape.unsafe && index === unsafeBlock, shape.unsafe));
    // Out of the usual: a block that starts with text (a snapshot), or at another index.
    const head = shape.disorder && pieces.length > 1 && random.chance(25) ? (pieces.shift() as string) : '';
    const start = {
      type: 'content_block_start',
      index: shape.disorder && random.chance(15) ? index + random.int(1, 2) : index,
      content_block: thinking
        ? { type: 'thinking', thinking: head, signature: '' }
        : { type: 'text', text: head },
    };
    const deltas = pieces.map((piece) => ({
      type: 'content_block_delta',
      index,
      delta: thinking ? { type: 'thinking_delta', thinking: piece } : { type: 'text_delta', text: piece },
    }));
    const stop = { type: 'content_block_stop', index };
    const events: Array<Record<string, unknown>> = [start, ...deltas];
    if (shape.disorder && random.chance(40) && deltas.length > 1)
      events.splice(random.int(2, events.length - 1), 0, stop);
    else events.push(stop);
    return events;
  });
  const body = shape.disorder ? interleave(random, lists, true) : lists.flat();
  if (random.chance(20)) body.splice(random.int(0, body.length), 0, { type: 'ping' });
  return [
    anthropicMessageStart,
    ...body,
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 3 },
    },
    { type: 'message_stop' },
  ];
}

function responsesEvents(random: Random, shape: Shape): Event[] {
  const items = random.int(1, 2);
  const unsafeItem = random.int(0, items - 1);
  const response = (status: string, output: unknown[]) => ({
    id: 'resp_1',
    object: 'response',
    created_at: 1,
    model: 'm',
    status,
    output,
  });
  const finals: unknown[] = [];
  const lists = Array.from({ length: items }, (_, output_index) => {
    const full = text(random, shape.unsafe && output_index === unsafeItem, shape.unsafe);
    const pieces = split(random, full);
    const head = shape.disorder && pieces.length > 1 && random.chance(25) ? (pieces.shift() as string) : '';
    const id = `msg_${output_index}`;
    const at = { output_index, item_id: id, content_index: 0 };
    const message = (value: string, status: string) => ({
      type: 'message',
      id,
      status,
      role: 'assistant',
      content:
        value === '' && status !== 'completed' ? [] : [{ type: 'output_text', text: value, annotations: [] }],
    });
    // A done event that disagrees with the deltas.
    const doneText = shape.disorder && random.chance(20) ? text(random, false) : full;
    finals.push(message(doneText, 'completed'));
    const deltas: Array<Record<string, unknown>> = pieces.map((delta) => ({
      type: 'response.output_text.delta',
      ...at,
      delta,
      ...(shape.disorder && random.chance(20) ? { response: response('in_progress', []) } : {}),
    }));
    const events: Array<Record<string, unknown>> = [
      {
        type: 'response.output_item.added',
        // Out of the usual: an item that arrives with text (a snapshot), or at another index.
        output_index: shape.disorder && random.chance(15) ? output_index + 1 : output_index,
        item: message(head, 'in_progress'),
      },
      {
        type: 'response.content_part.added',
        ...at,
        part: { type: 'output_text', text: '', annotations: [] },
      },
      ...deltas,
      { type: 'response.output_text.done', ...at, text: doneText },
      {
        type: 'response.content_part.done',
        ...at,
        part: { type: 'output_text', text: doneText, annotations: [] },
      },
      { type: 'response.output_item.done', output_index, item: message(doneText, 'completed') },
    ];
    // Deltas after the part's done event.
    if (shape.disorder && random.chance(30) && deltas.length > 1) {
      const [late] = events.splice(2 + random.int(0, deltas.length - 1), 1);
      events.splice(events.length - 2, 0, late as Record<string, unknown>);
    }
    return events;
  });
  const body = shape.disorder ? interleave(random, lists, false) : lists.flat();
  const events: Array<Record<string, unknown>> = [
    { type: 'response.created', response: response('in_progress', []) },
    ...body,
    { type: 'response.completed', response: response('completed', finals) },
  ];
  return events.map((event, sequence_number) => ({ ...event, sequence_number }));
}

/** Another protocol's text-bearing fields, to merge into an event. */
function foreign(random: Random, protocol: ResponseProtocol, piece: string): Record<string, unknown> {
  const others = (['chat', 'anthropic', 'responses'] as const).filter((name) => name !== protocol);
  switch (random.pick(others)) {
    case 'chat':
      return { choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
    case 'anthropic':
      return { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } };
    case 'responses':
      return { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: piece };
  }
}

/** One event's JSON, sometimes with extra fields and a duplicate key (the last one counts). */
function serialize(random: Random, event: Record<string, unknown>): string {
  const extra = random.chance(20) ? { obfuscation: 'x', vigil_extra: [1, { a: null }] } : {};
  let json = JSON.stringify({ ...extra, ...event });
  if (random.chance(15)) {
    const key = random.pick(['"text":', '"content":', '"delta":', '"type":']);
    json = json.replace(key, `${key}"decoy",${key}`);
  }
  return json;
}

const encoder = new TextEncoder();

/** The SSE bytes of `events`, framed at random. */
function frame(random: Random, events: Event[], protocol: ResponseProtocol): string {
  let out = random.chance(5) ? '\uFEFF' : '';
  for (const event of events) {
    const eol = random.pick(['\n', '\r\n', '\r']);
    const data = typeof event === 'string' ? event : serialize(random, event);
    const lines: string[] = [];
    if (random.chance(10)) lines.push(': keep-alive');
    if (random.chance(10)) lines.push(`id: ${random.int(1, 99)}`);
    if (random.chance(5)) lines.push('retry: 1000');
    if (
      typeof event !== 'string' &&
      typeof event.type === 'string' &&
      protocol !== 'chat' &&
      protocol !== 'completions'
    )
      lines.push(`event: ${event.type}`);
    // Multi-line data, cut after a comma (the parts join with a newline, which JSON allows there).
    const comma = data.indexOf(',"');
    const dataLines =
      random.chance(15) && comma > 0 ? [data.slice(0, comma + 1), data.slice(comma + 1)] : [data];
    for (const line of dataLines) lines.push(`data:${random.chance(80) ? ' ' : ''}${line}`);
    out += lines.join(eol) + eol + eol;
  }
  return out;
}

/** `bytes` cut into chunks at random byte offsets (inside UTF-8 sequences and fields too). */
function chunks(random: Random, bytes: Uint8Array): Uint8Array[] {
  const cuts = [
    ...new Set(Array.from({ length: random.int(0, 6) }, () => random.int(1, Math.max(1, bytes.length - 1)))),
  ];
  cuts.sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) out.push(bytes.slice(from, cut));
    from = cut;
  }
  return out;
}

export interface Framed {
  shape: Shape;
  answer: UpstreamAnswer;
}

/** Prints a case readably (the SSE text and where it was cut), for a failing property's report. */
function framed(shape: Shape, text: string, answer: UpstreamAnswer): Framed {
  const cuts = answer.chunks.map((chunk) => chunk.byteLength);
  return Object.assign(
    { shape, answer },
    {
      [fc.toStringMethod]: () =>
        `${JSON.stringify(shape)} chunk sizes ${JSON.stringify(cuts)}\n${JSON.stringify(text)}`,
    },
  );
}

/** A random SSE answer of `protocol`, shaped by `shape`. */
export function framedStream(protocol: ResponseProtocol, shape: Partial<Shape> = {}): fc.Arbitrary<Framed> {
  return fc.gen().map((g) => {
    const random = source(g);
    const full: Shape = {
      unsafe: shape.unsafe ?? random.chance(70),
      disorder: shape.disorder ?? random.chance(50),
      mixed: shape.mixed ?? random.chance(20),
    };
    let events =
      protocol === 'anthropic'
        ? anthropicEvents(random, full)
        : protocol === 'responses'
          ? responsesEvents(random, full)
          : chatEvents(random, full, protocol === 'completions');
    if (full.mixed) {
      events = events.map((event) =>
        typeof event === 'string' || !random.chance(30)
          ? event
          : { ...foreign(random, protocol, text(random, full.unsafe && random.chance(50))), ...event },
      );
    }
    const sse = frame(random, events, protocol);
    const contentType = random.pick(['text/event-stream', 'text/event-stream; charset=utf-8']);
    const bytes = chunks(random, encoder.encode(sse));
    return framed(full, sse, { status: 200, headers: { 'content-type': contentType }, chunks: bytes });
  });
}

/** A random JSON answer of `protocol`: its texts split across choices, parts, items or blocks. */
export function framedJson(protocol: ResponseProtocol): fc.Arbitrary<Framed> {
  return fc.gen().map((g) => {
    const random = source(g);
    const shape: Shape = { unsafe: random.chance(70), disorder: false, mixed: false };
    const texts = (count: number) => {
      const unsafeAt = random.int(0, count - 1);
      return Array.from({ length: count }, (_, index) =>
        split(random, text(random, shape.unsafe && index === unsafeAt, shape.unsafe)),
      );
    };
    let body: Record<string, unknown>;
    if (protocol === 'chat') {
      const choices = texts(random.int(1, 3)).map((parts, index) => ({
        index,
        message: {
          role: 'assistant',
          content: random.chance(50) ? parts.join('') : parts.map((part) => ({ type: 'text', text: part })),
        },
        finish_reason: 'stop',
      }));
      body = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices };
    } else if (protocol === 'completions') {
      const choices = texts(random.int(1, 3)).map((parts, index) => ({
        index,
        text: parts.join(''),
        finish_reason: 'stop',
      }));
      body = { id: 'c1', object: 'text_completion', created: 1, model: 'm', choices };
    } else if (protocol === 'responses') {
      const output = texts(random.int(1, 2)).map((parts, index) => ({
        type: 'message',
        id: `msg_${index}`,
        status: 'completed',
        role: 'assistant',
        content: parts.map((part) => ({ type: 'output_text', text: part, annotations: [] })),
      }));
      body = { id: 'resp_1', object: 'response', created_at: 1, model: 'm', status: 'completed', output };
    } else {
      const content = texts(random.int(1, 2))
        .flat()
        .map((part) => ({ type: 'text', text: part }));
      body = {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'm',
        content,
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      };
    }
    const json = serialize(random, body);
    const answer = {
      status: 200,
      headers: { 'content-type': random.pick(['application/json', 'application/json; charset=utf-8']) },
      chunks: chunks(random, encoder.encode(json)),
    };
    return framed(shape, json, answer);
  });
}
