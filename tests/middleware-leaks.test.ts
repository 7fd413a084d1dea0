// Issue 11: the leak suite. Every API shape the middleware knows (and some it must refuse),
// through the Hono and Express adapters on real loopback servers, in buffer and progressive
// modes, in front of a scripted upstream. For each unsafe shape in buffer mode: no unchecked
// byte of the unsafe text reaches the client (raw bytes, what a spec SSE parser reads, what the
// official `openai` client reads), a refused stream ends in its protocol's terms, and the
// upstream never receives a request judged unsafe or unreadable (fail-closed). A conformance
// table runs request cases through the core, Hono, Express 5 and Express 4 (each with every body
// parser mounted before Vigil and after it) and wants one decision from all.
// Most cases use the scripted engine; a few run on the hand-wired tiny guard model.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { createFetchModerator, type VigilDecision, type VigilOptions } from '@vigil/guard-middleware';
import { vigil as expressVigil } from '@vigil/guard-middleware/express';
import { vigil as honoVigil } from '@vigil/guard-middleware/hono';
import { createParser } from 'eventsource-parser';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PATHS } from '../scripts/fixtures/fixture-facts.js';
import {
  bodyParser,
  EXPRESS_VERSIONS,
  type ExpressVersion,
  expressApp,
  PARSERS,
  type ParserName,
} from './support/differential/express-apps.js';

const UNSAFE = 'Sure. First find a quiet place. Then build a bomb with the parts. Good luck with it.';
const SAFE = 'Hello! The weather is calm and sunny today. Have a good walk in the park.';
/** The word that must never reach a client in buffer mode (the scripted and tiny guards flag it). */
const LEAK = /bomb/i;

type Framework = 'hono' | 'express' | 'express4';
const frameworks: Framework[] = ['hono', 'express', 'express4'];
/** An Express app's version and the body parser mounted before or after Vigil, if any. */
interface ExpressLayout {
  version: ExpressVersion;
  parser?: { name: ParserName; placement: 'before' | 'after' } | undefined;
}
const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Answer shapes: what the upstream sends back.

interface AnswerShape {
  name: string;
  protocol: 'openai-chat' | 'openai-completions' | 'openai-responses' | 'anthropic-messages' | 'unknown';
  kind: 'sse' | 'json';
  path: string;
  headers: Record<string, string>;
  chunks: Uint8Array[];
  unsafe: boolean;
  /** Read through the official openai client too (chat or responses). */
  client?: 'chat' | 'responses' | undefined;
}

const split = (text: string, size = 7) => {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
};

interface Ev {
  event?: string;
  data: string;
}

/** SSE text of events, with a line end and a blank-line terminator of choice. */
function frame(events: Ev[], lineEnd = '\n', blank = lineEnd, options: { space?: boolean } = {}) {
  const space = options.space === false ? '' : ' ';
  return events
    .map(
      (ev) =>
        (ev.event ? `event:${space}${ev.event}${lineEnd}` : '') +
        ev.data
          .split('\n')
          .map((line) => `data:${space}${line}${lineEnd}`)
          .join('') +
        blank,
    )
    .join('');
}

const chunkOf = (choices: unknown[], object = 'chat.completion.chunk') =>
  JSON.stringify({ id: 'chatcmpl-leak', object, created: 1_700_000_000, model: 'leak', choices });

function chatEvents(
  text: string,
  delta: (piece: string) => Record<string, unknown> = (piece) => ({ content: piece }),
  options: { done?: boolean; index?: number } = {},
): Ev[] {
  const index = options.index ?? 0;
  const events: Ev[] = [
    { data: chunkOf([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }]) },
  ];
  for (const piece of split(text))
    events.push({ data: chunkOf([{ index, delta: delta(piece), finish_reason: null }]) });
  events.push({ data: chunkOf([{ index, delta: {}, finish_reason: 'stop' }]) });
  if (options.done !== false) events.push({ data: '[DONE]' });
  return events;
}

function responsesEvents(
  text: string,
  kind: 'text' | 'reasoning' | 'function' | 'refusal' | 'final-only',
): Ev[] {
  let sequence = 0;
  const ev = (data: Record<string, unknown>): Ev => ({
    event: String(data.type),
    data: JSON.stringify({ ...data, sequence_number: sequence++ }),
  });
  const base = { id: 'resp_leak', object: 'response', created_at: 1_700_000_000, model: 'leak' };
  const events = [ev({ type: 'response.created', response: { ...base, status: 'in_progress', output: [] } })];
  const item =
    kind === 'function'
      ? {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'call_1',
          name: 'search',
          arguments: JSON.stringify({ query: text }),
        }
      : kind === 'reasoning'
        ? { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text }] }
        : {
            type: 'message',
            id: 'msg_1',
            role: 'assistant',
            status: 'completed',
            content: [
              kind === 'refusal'
                ? { type: 'refusal', refusal: text }
                : { type: 'output_text', text, annotations: [] },
            ],
          };
  if (kind !== 'final-only') {
    const pieces = split(kind === 'function' ? JSON.stringify({ query: text }) : text);
    const type =
      kind === 'function'
        ? 'response.function_call_arguments.delta'
        : kind === 'reasoning'
          ? 'response.reasoning_summary_text.delta'
          : kind === 'refusal'
            ? 'response.refusal.delta'
            : 'response.output_text.delta';
    for (const delta of pieces)
      events.push(ev({ type, item_id: 'x', output_index: 0, content_index: 0, summary_index: 0, delta }));
  }
  events.push(ev({ type: 'response.output_item.done', output_index: 0, item }));
  events.push(ev({ type: 'response.completed', response: { ...base, status: 'completed', output: [item] } }));
  return events;
}

function anthropicEvents(text: string, kind: 'text' | 'thinking' | 'tool' | 'start-filled'): Ev[] {
  const ev = (data: Record<string, unknown>): Ev => ({
    event: String(data.type),
    data: JSON.stringify(data),
  });
  const start =
    kind === 'thinking'
      ? { type: 'thinking', thinking: '' }
      : kind === 'tool'
        ? { type: 'tool_use', id: 'tu_1', name: 'search', input: {} }
        : { type: 'text', text: kind === 'start-filled' ? text : '' };
  const events = [
    ev({
      type: 'message_start',
      message: {
        id: 'msg_leak',
        type: 'message',
        role: 'assistant',
        model: 'leak',
        content: [],
        stop_reason: null,
        usage: {},
      },
    }),
    ev({ type: 'content_block_start', index: 0, content_block: start }),
    ev({ type: 'ping' }),
  ];
  if (kind !== 'start-filled') {
    const pieces = split(kind === 'tool' ? JSON.stringify({ query: text }) : text);
    for (const piece of pieces) {
      const delta =
        kind === 'thinking'
          ? { type: 'thinking_delta', thinking: piece }
          : kind === 'tool'
            ? { type: 'input_json_delta', partial_json: piece }
            : { type: 'text_delta', text: piece };
      events.push(ev({ type: 'content_block_delta', index: 0, delta }));
    }
  }
  events.push(ev({ type: 'content_block_stop', index: 0 }));
  events.push(
    ev({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 9 },
    }),
  );
  events.push(ev({ type: 'message_stop' }));
  return events;
}

const sseHeaders = { 'content-type': 'text/event-stream' };
const jsonHeaders = { 'content-type': 'application/json' };

function streamShapes(text: string, unsafe: boolean): AnswerShape[] {
  const tag = unsafe ? 'unsafe' : 'safe';
  const sse = (
    name: string,
    protocol: AnswerShape['protocol'],
    body: string | Uint8Array,
    extra: Partial<AnswerShape> = {},
  ): AnswerShape => {
    const bytes = typeof body === 'string' ? encoder.encode(body) : body;
    const chunks: Uint8Array[] = [];
    for (let start = 0; start < bytes.byteLength; start += 23) chunks.push(bytes.subarray(start, start + 23));
    const path =
      protocol === 'openai-responses'
        ? '/v1/responses'
        : protocol === 'anthropic-messages'
          ? '/v1/messages'
          : protocol === 'openai-completions'
            ? '/v1/completions'
            : '/v1/chat/completions';
    return {
      name: `${tag} stream: ${name}`,
      protocol,
      kind: 'sse',
      path,
      headers: sseHeaders,
      chunks,
      unsafe,
      ...extra,
    };
  };
  const chat = chatEvents(text);
  const shapes: AnswerShape[] = [
    sse('chat, LF', 'openai-chat', frame(chat), { client: 'chat' }),
    sse('chat, CRLF', 'openai-chat', frame(chat, '\r\n'), { client: 'chat' }),
    sse('chat, CR', 'openai-chat', frame(chat, '\r'), { client: 'chat' }),
    sse('chat, \\n\\r\\n', 'openai-chat', frame(chat, '\n', '\r\n'), { client: 'chat' }),
    sse('chat, \\n\\r', 'openai-chat', frame(chat, '\n', '\r'), { client: 'chat' }),
    sse('chat, BOM first', 'openai-chat', `\ufeff${frame(chat)}`, { client: 'chat' }),
    sse(
      'chat, comments between events',
      'openai-chat',
      `: hi\n\n${frame(chat).replaceAll('\n\n', '\n: ping\n\n')}`,
      {
        client: 'chat',
      },
    ),
    sse(
      'chat, JSON over several data lines',
      'openai-chat',
      frame(chat.map((ev) => ({ ...ev, data: ev.data.replace('"choices":', '\n"choices":') }))),
      { client: 'chat' },
    ),
    sse('chat, no space after the colon', 'openai-chat', frame(chat, '\n', '\n', { space: false }), {
      client: 'chat',
    }),
    sse('chat, no [DONE]', 'openai-chat', frame(chatEvents(text, undefined, { done: false })), {
      client: 'chat',
    }),
    sse('chat, no final blank line', 'openai-chat', frame(chat).slice(0, -1), { client: 'chat' }),
    sse(
      'chat, content as parts',
      'openai-chat',
      frame(chatEvents(text, (piece) => ({ content: [{ type: 'text', text: piece }] }))),
    ),
    sse('chat, refusal', 'openai-chat', frame(chatEvents(text, (piece) => ({ refusal: piece }))), {
      client: 'chat',
    }),
    sse(
      'chat, reasoning_content',
      'openai-chat',
      frame(chatEvents(text, (piece) => ({ reasoning_content: piece }))),
      {
        client: 'chat',
      },
    ),
    sse('chat, reasoning', 'openai-chat', frame(chatEvents(text, (piece) => ({ reasoning: piece })))),
    sse(
      'chat, audio transcript',
      'openai-chat',
      frame(chatEvents(text, (piece) => ({ audio: { transcript: piece } }))),
    ),
    sse(
      'chat, tool-call arguments',
      'openai-chat',
      frame(
        chatEvents(text, (piece) => ({
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { arguments: piece } }],
        })),
      ),
      { client: 'chat' },
    ),
    sse(
      'chat, legacy function_call',
      'openai-chat',
      frame(chatEvents(text, (piece) => ({ function_call: { arguments: piece } }))),
    ),
    sse(
      'chat, n=2, second choice',
      'openai-chat',
      frame([...chatEvents(SAFE, undefined, { done: false }), ...chatEvents(text, undefined, { index: 1 })]),
      {
        client: 'chat',
      },
    ),
    sse(
      'chat, unicode escapes',
      'openai-chat',
      frame(
        chat.map((ev) => ({
          ...ev,
          data: ev.data.replaceAll('o', '\\u006f').replaceAll('\\u006fbject', 'object'),
        })),
      ),
      { client: 'chat' },
    ),
    sse(
      'chat, text in the finish chunk',
      'openai-chat',
      frame([
        { data: chunkOf([{ index: 0, delta: { content: text }, finish_reason: 'stop' }]) },
        { data: '[DONE]' },
      ]),
      { client: 'chat' },
    ),
    sse(
      'completions, text chunks',
      'openai-completions',
      frame([
        ...split(text).map((piece) => ({
          data: chunkOf([{ index: 0, text: piece, finish_reason: null }], 'text_completion'),
        })),
        { data: chunkOf([{ index: 0, text: '', finish_reason: 'stop' }], 'text_completion') },
        { data: '[DONE]' },
      ]),
    ),
    sse('responses, output_text', 'openai-responses', frame(responsesEvents(text, 'text')), {
      client: 'responses',
    }),
    sse('responses, reasoning summary', 'openai-responses', frame(responsesEvents(text, 'reasoning')), {
      client: 'responses',
    }),
    sse('responses, function-call arguments', 'openai-responses', frame(responsesEvents(text, 'function')), {
      client: 'responses',
    }),
    sse('responses, refusal', 'openai-responses', frame(responsesEvents(text, 'refusal')), {
      client: 'responses',
    }),
    sse(
      'responses, text only in response.completed',
      'openai-responses',
      frame(responsesEvents(text, 'final-only')),
      {
        client: 'responses',
      },
    ),
    sse('responses, CRLF', 'openai-responses', frame(responsesEvents(text, 'text'), '\r\n')),
    sse('anthropic, text_delta', 'anthropic-messages', frame(anthropicEvents(text, 'text'))),
    sse('anthropic, thinking_delta', 'anthropic-messages', frame(anthropicEvents(text, 'thinking'))),
    sse('anthropic, input_json_delta', 'anthropic-messages', frame(anthropicEvents(text, 'tool'))),
    sse(
      'anthropic, text in content_block_start',
      'anthropic-messages',
      frame(anthropicEvents(text, 'start-filled')),
    ),
    sse('anthropic, \\n\\r\\n', 'anthropic-messages', frame(anthropicEvents(text, 'text'), '\n', '\r\n')),
    sse('chat, served as text/plain to a stream request', 'openai-chat', frame(chat), {
      headers: { 'content-type': 'text/plain' },
      client: 'chat',
    }),
    sse('chat, no content type', 'openai-chat', frame(chat), { headers: {}, client: 'chat' }),
    sse('chat, gzip-encoded', 'openai-chat', gzipSync(frame(chat)), {
      headers: { ...sseHeaders, 'content-encoding': 'gzip' },
      client: 'chat',
    }),
  ];
  if (unsafe) {
    shapes.push(
      sse(
        'unrecognised JSON events',
        'unknown',
        frame(split(text).map((piece) => ({ data: JSON.stringify({ output: piece }) }))),
      ),
      sse('plain-text data lines', 'unknown', frame(split(text).map((piece) => ({ data: piece })))),
      sse('no data fields at all', 'unknown', `${text}\n\n`),
    );
  }
  return shapes;
}

function jsonShapes(text: string, unsafe: boolean): AnswerShape[] {
  const tag = unsafe ? 'unsafe' : 'safe';
  const json = (
    name: string,
    protocol: AnswerShape['protocol'],
    body: unknown,
    extra: Partial<AnswerShape> & { raw?: Uint8Array } = {},
  ): AnswerShape => {
    const path =
      protocol === 'openai-responses'
        ? '/v1/responses'
        : protocol === 'anthropic-messages'
          ? '/v1/messages'
          : '/v1/chat/completions';
    const chunks = [extra.raw ?? encoder.encode(typeof body === 'string' ? body : JSON.stringify(body))];
    return {
      name: `${tag} JSON: ${name}`,
      protocol,
      kind: 'json',
      path,
      headers: jsonHeaders,
      chunks,
      unsafe,
      ...extra,
    };
  };
  const chat = (message: Record<string, unknown>, more: unknown[] = []) => ({
    id: 'chatcmpl-leak',
    object: 'chat.completion',
    created: 1,
    model: 'leak',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }, ...more],
  });
  const plain = chat({ content: text });
  return [
    json('chat content', 'openai-chat', plain, { client: 'chat' }),
    json('chat content parts', 'openai-chat', chat({ content: [{ type: 'text', text }] })),
    json('chat refusal', 'openai-chat', chat({ content: null, refusal: text }), { client: 'chat' }),
    json('chat reasoning_content', 'openai-chat', chat({ content: 'Fine.', reasoning_content: text })),
    // Found by hand after round 2: an audio answer's transcript reached the client unjudged.
    json(
      'chat audio transcript',
      'openai-chat',
      chat({ content: null, audio: { id: 'a', data: '', expires_at: 1, transcript: text } }),
    ),
    json(
      'chat tool-call arguments',
      'openai-chat',
      chat({
        content: null,
        tool_calls: [
          { id: 'c', type: 'function', function: { name: 'f', arguments: JSON.stringify({ q: text }) } },
        ],
      }),
      { client: 'chat' },
    ),
    json(
      'chat legacy function_call',
      'openai-chat',
      chat({ content: null, function_call: { name: 'f', arguments: text } }),
    ),
    json('chat n=2, second choice', 'openai-chat', {
      ...chat({ content: SAFE }),
      choices: [
        { index: 0, message: { role: 'assistant', content: SAFE }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: text }, finish_reason: 'stop' },
      ],
    }),
    json('chat unicode escapes', 'openai-chat', JSON.stringify(plain).replaceAll('bomb', 'b\\u006fmb')),
    json('completions text', 'openai-chat', { object: 'text_completion', choices: [{ index: 0, text }] }),
    json('responses output_text', 'openai-responses', {
      object: 'response',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
    }),
    json('responses reasoning summary', 'openai-responses', {
      object: 'response',
      output: [{ type: 'reasoning', summary: [{ type: 'summary_text', text }] }],
    }),
    json('responses function call', 'openai-responses', {
      object: 'response',
      output: [{ type: 'function_call', name: 'f', arguments: JSON.stringify({ q: text }) }],
    }),
    json('anthropic text', 'anthropic-messages', {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text }],
    }),
    json('anthropic thinking', 'anthropic-messages', {
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: text },
        { type: 'text', text: 'Fine.' },
      ],
    }),
    json('anthropic tool_use', 'anthropic-messages', {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'tool_use', id: 't', name: 'f', input: { q: text } }],
    }),
    json('served as text/plain', 'openai-chat', plain, { headers: { 'content-type': 'text/plain' } }),
    json('served as octet-stream', 'openai-chat', plain, {
      headers: { 'content-type': 'application/octet-stream' },
    }),
    json('no content type', 'openai-chat', plain, { headers: {} }),
    json('gzip-encoded', 'openai-chat', plain, {
      headers: { ...jsonHeaders, 'content-encoding': 'gzip' },
      raw: gzipSync(JSON.stringify(plain)),
    }),
    json('plain text answer', 'openai-chat', text, { headers: { 'content-type': 'text/plain' } }),
    ...(unsafe ? [json('unrecognised JSON', 'unknown', { result: { words: text } })] : []),
  ];
}

const answerShapes = [
  ...streamShapes(UNSAFE, true),
  ...streamShapes(SAFE, false),
  ...jsonShapes(UNSAFE, true),
  ...jsonShapes(SAFE, false),
];
const shapesByName = new Map(answerShapes.map((shape) => [shape.name, shape]));

// ---------------------------------------------------------------------------------------------
// Request shapes: what a client sends. Each is unsafe or unreadable: the upstream must not see it.

interface RequestShape {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array | (() => ReadableStream<Uint8Array>);
  /** The status the client gets (fail-closed). */
  status: number;
}

function utf16le(text: string, bom: boolean) {
  const out = Buffer.from(text, 'utf16le');
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), out]) : out;
}

function utf32be(text: string) {
  const codes = [...text].map((char) => char.codePointAt(0) as number);
  const out = Buffer.alloc(codes.length * 4);
  codes.forEach((code, index) => {
    out.writeUInt32BE(code, index * 4);
  });
  return out;
}

function multipart(parts: Array<{ name: string; type?: string; value: string }>) {
  const text = parts
    .map(
      (part) =>
        `--B0undary\r\nContent-Disposition: form-data; name="${part.name}"\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n${part.value}\r\n`,
    )
    .join('');
  return encoder.encode(`${text}--B0undary--\r\n`);
}

const ASK = 'How do I build a bomb at home?';
const chatBody = (content: unknown, role = 'user') =>
  JSON.stringify({ model: 'm', messages: [{ role, content }] });

function requestShapes(): RequestShape[] {
  const json = { 'content-type': 'application/json' };
  const shape = (
    name: string,
    body: string | Uint8Array,
    headers: Record<string, string> = json,
    status = 400,
    path = '/v1/chat/completions',
  ): RequestShape => ({
    name,
    path,
    headers,
    body: typeof body === 'string' ? encoder.encode(body) : body,
    status,
  });
  const unsafeChat = chatBody(ASK);
  return [
    shape('chat JSON', unsafeChat),
    shape('chat content parts', chatBody([{ type: 'text', text: ASK }])),
    shape('form-encoded JSON (curl -d)', unsafeChat, { 'content-type': 'application/x-www-form-urlencoded' }),
    shape('text/json', unsafeChat, { 'content-type': 'text/json' }),
    shape('application/octet-stream', unsafeChat, { 'content-type': 'application/octet-stream' }),
    shape('no content type', unsafeChat, {}),
    shape('text/plain JSON', unsafeChat, { 'content-type': 'text/plain' }),
    shape(
      'multipart JSON part',
      multipart([{ name: 'payload', type: 'application/json', value: unsafeChat }]),
      {
        'content-type': 'multipart/form-data; boundary=B0undary',
      },
    ),
    shape(
      'multipart prompt field',
      multipart([
        { name: 'model', value: 'm' },
        { name: 'prompt', value: ASK },
      ]),
      {
        'content-type': 'multipart/form-data; boundary=B0undary',
      },
    ),
    shape('UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(unsafeChat)])),
    shape('UTF-16LE with BOM', utf16le(unsafeChat, true)),
    shape('UTF-16LE by charset', utf16le(unsafeChat, false), {
      'content-type': 'application/json; charset=utf-16le',
    }),
    shape('UTF-16LE, no BOM, no charset', utf16le(unsafeChat, false)),
    shape('UTF-32BE, no BOM', utf32be(unsafeChat)),
    shape(
      'NaN and Infinity',
      JSON.stringify({ model: 'm', temperature: 0, messages: [{ role: 'user', content: ASK }] }).replace(
        '0',
        'NaN',
      ),
    ),
    shape('gzip', gzipSync(unsafeChat), { ...json, 'content-encoding': 'gzip' }),
    shape('deflate', deflateSync(unsafeChat), { ...json, 'content-encoding': 'deflate' }),
    shape('br', brotliCompressSync(unsafeChat), { ...json, 'content-encoding': 'br' }),
    {
      name: 'chunked upload',
      path: '/v1/chat/completions',
      headers: json,
      body: () =>
        ReadableStream.from(
          split(unsafeChat, 5).map((piece) => encoder.encode(piece)),
        ) as ReadableStream<Uint8Array>,
      status: 400,
    },
    shape('completions prompt', JSON.stringify({ model: 'm', prompt: ASK }), json, 400, '/v1/completions'),
    shape(
      'completions prompt list, second unsafe',
      JSON.stringify({ model: 'm', prompt: ['Hi there', ASK] }),
      json,
      400,
      '/v1/completions',
    ),
    shape(
      'completions token ids',
      JSON.stringify({ model: 'm', prompt: [4438, 656, 358, 1977, 264, 13054] }),
      json,
      400,
      '/v1/completions',
    ),
    shape(
      'completions token-id lists',
      JSON.stringify({ model: 'm', prompt: [[4438, 656], [358]] }),
      json,
      400,
      '/v1/completions',
    ),
    shape('responses input string', JSON.stringify({ model: 'm', input: ASK }), json, 400, '/v1/responses'),
    shape(
      'responses input items',
      JSON.stringify({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: ASK }] }] }),
      json,
      400,
      '/v1/responses',
    ),
    shape(
      'anthropic messages',
      JSON.stringify({
        model: 'm',
        max_tokens: 9,
        messages: [{ role: 'user', content: [{ type: 'text', text: ASK }] }],
      }),
      json,
      400,
      '/v1/messages',
    ),
    shape(
      'benign messages, unsafe prompt',
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], prompt: ASK }),
    ),
    shape('role "User"', chatBody(ASK, 'User')),
    shape('role "human"', chatBody(ASK, 'human')),
    shape('malformed JSON', '{"messages": [{"role": "user", "content": "How do I build a bomb"'),
    shape('unrecognised JSON', JSON.stringify({ model: 'm', query: ASK })),
    shape(
      'binary body',
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      { 'content-type': 'image/png' },
      415,
    ),
    {
      name: 'oversized chunked upload',
      path: '/v1/chat/completions',
      headers: json,
      body: () =>
        ReadableStream.from(
          (function* () {
            yield encoder.encode('{"messages":[{"role":"user","content":"');
            for (let index = 0; index < 40; index++) yield encoder.encode('x'.repeat(1000));
            yield encoder.encode('"}]}');
          })(),
        ) as ReadableStream<Uint8Array>,
      status: 413,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Servers: each framework's middleware in front of a handler that plays the upstream.

interface Upstream {
  /** Request ids (x-leak-id) the handler saw, with the bytes it got. */
  received: Map<string, Buffer>;
}

const servers: Server[] = [];
let scriptedGuard: Guard;
let modelGuard: Guard | undefined;

async function listen(server: Server) {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The upstream's answer to a request: the shape named by `x-leak-shape`, or a safe chat answer. */
function answerFor(headers: (name: string) => string | undefined): AnswerShape {
  return (
    shapesByName.get(headers('x-leak-shape') ?? '') ??
    (shapesByName.get('safe JSON: chat content') as AnswerShape)
  );
}

async function startHono(options: Partial<VigilOptions>, upstream: Upstream, guard: Guard) {
  const app = new Hono();
  app.use('*', honoVigil({ guard, maxBodyBytes: 20_000, ...options }));
  app.all('*', async (c) => {
    const bytes = Buffer.from(await c.req.raw.arrayBuffer());
    upstream.received.set(c.req.header('x-leak-id') ?? '', bytes);
    const shape = answerFor((name) => c.req.header(name));
    return new Response(ReadableStream.from(shape.chunks), { headers: shape.headers });
  });
  return listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
}

async function startExpress(
  options: Partial<VigilOptions>,
  upstream: Upstream,
  guard: Guard,
  layout: ExpressLayout,
) {
  const app = expressApp(layout.version);
  const { parser } = layout;
  if (parser?.placement === 'before') app.use(bodyParser(layout.version, parser.name));
  app.use(expressVigil({ guard, maxBodyBytes: 20_000, ...options }));
  if (parser?.placement === 'after') app.use(bodyParser(layout.version, parser.name));
  app.use((req, res) => {
    const chunks: Buffer[] = [];
    const answer = async () => {
      upstream.received.set(String(req.headers['x-leak-id'] ?? ''), Buffer.concat(chunks));
      const shape = answerFor((name) => req.headers[name] as string | undefined);
      res.writeHead(200, shape.headers);
      for (const chunk of shape.chunks) {
        res.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    };
    // A parser behind Vigil read the stream: what it parsed is what the upstream gets.
    if (req.readableEnded) {
      const body: unknown = req.body;
      chunks.push(Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body ?? null)));
      void answer();
      return;
    }
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', answer);
  });
  return listen(createServer(app).listen(0, '127.0.0.1'));
}

interface Target {
  url: string;
  upstream: Upstream;
  decisions: VigilDecision[];
}

async function target(
  framework: Framework,
  options: Partial<VigilOptions> = {},
  guard = scriptedGuard,
  parser?: ExpressLayout['parser'],
): Promise<Target> {
  const upstream: Upstream = { received: new Map() };
  const decisions: VigilDecision[] = [];
  const all = { ...options, onDecision: (decision: VigilDecision) => decisions.push(decision) };
  const url =
    framework === 'hono'
      ? await startHono(all, upstream, guard)
      : await startExpress(all, upstream, guard, { version: framework === 'express4' ? 4 : 5, parser });
  return { url, upstream, decisions };
}

let id = 0;
const benignRequest = (shape: AnswerShape) =>
  JSON.stringify(
    shape.path === '/v1/responses'
      ? { model: 'm', stream: shape.kind === 'sse', input: 'Tell me about the weather.' }
      : shape.path === '/v1/completions'
        ? { model: 'm', stream: true, prompt: 'Tell me about the weather.' }
        : {
            model: 'm',
            stream: shape.kind === 'sse',
            max_tokens: 9,
            messages: [{ role: 'user', content: 'Tell me about the weather.' }],
          },
  );

async function ask(to: Target, shape: AnswerShape) {
  const res = await fetch(`${to.url}${shape.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-leak-shape': shape.name, 'x-leak-id': String(++id) },
    body: benignRequest(shape),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every string a spec SSE parser and a JSON decoder read from the bytes (what any client can show). */
function readable(bytes: Buffer): string {
  const texts: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
  };
  const text = new TextDecoder().decode(bytes);
  const parser = createParser({
    onEvent: (event) => {
      texts.push(event.data);
      try {
        collect(JSON.parse(event.data));
      } catch {
        // not JSON: the data itself was collected
      }
    },
  });
  parser.feed(text);
  parser.feed('\n\n');
  try {
    collect(JSON.parse(text));
  } catch {
    // not a JSON body
  }
  return `${text}\n${texts.join('\n')}`;
}

/** The events a spec parser reads, JSON-decoded when they are JSON. */
function events(bytes: Buffer) {
  const out: Array<{ event: string | undefined; data: unknown }> = [];
  const parser = createParser({
    onEvent: (event) => {
      let data: unknown = event.data;
      try {
        data = JSON.parse(event.data);
      } catch {
        // keep the text
      }
      out.push({ event: event.event, data });
    },
  });
  parser.feed(new TextDecoder().decode(bytes));
  return out;
}

/** True when a refused stream ends in the protocol's own terms. */
function endsInProtocolTerms(shape: AnswerShape, bytes: Buffer): boolean {
  const all = events(bytes);
  const last = all.at(-1);
  const data = (index: number) => all.at(index)?.data as Record<string, unknown> | undefined;
  switch (shape.protocol) {
    case 'openai-chat':
    case 'openai-completions':
    case 'unknown':
      return (
        last?.data === '[DONE]' &&
        all.some((event) =>
          ((event.data as { choices?: Array<{ finish_reason?: unknown }> }).choices ?? []).some(
            (choice) => choice.finish_reason === 'content_filter',
          ),
        )
      );
    case 'openai-responses': {
      const end = data(-1);
      return (
        (end?.type === 'response.incomplete' &&
          (end.response as { incomplete_details?: { reason?: string } }).incomplete_details?.reason ===
            'content_filter') ||
        end?.type === 'response.failed'
      );
    }
    case 'anthropic-messages':
      return (
        data(-1)?.type === 'message_stop' &&
        (data(-2) as { delta?: { stop_reason?: string } } | undefined)?.delta?.stop_reason === 'refusal'
      );
    default:
      return false;
  }
}

async function viaOpenai(to: Target, shape: AnswerShape) {
  const client = new OpenAI({
    baseURL: `${to.url}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
    defaultHeaders: { 'x-leak-shape': shape.name },
  });
  let shown = '';
  let finish: string | undefined;
  let error: unknown;
  try {
    if (shape.client === 'responses') {
      const stream = await client.responses.create({
        model: 'm',
        input: 'Tell me about the weather.',
        stream: true,
      });
      for await (const event of stream) {
        if ('delta' in event && typeof event.delta === 'string') shown += event.delta;
        if (event.type === 'response.completed') shown += JSON.stringify(event.response.output);
        if (event.type === 'response.incomplete')
          finish = event.response.incomplete_details?.reason ?? 'incomplete';
      }
    } else if (shape.kind === 'sse') {
      const stream = await client.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'Tell me about the weather.' }],
      });
      for await (const chunk of stream) {
        for (const choice of chunk.choices) {
          shown += JSON.stringify(choice.delta);
          finish = choice.finish_reason ?? finish;
        }
      }
    } else {
      const answer = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'Tell me about the weather.' }],
      });
      shown += JSON.stringify(answer.choices);
    }
  } catch (caught) {
    error = caught;
  }
  return { shown, finish, error };
}

// ---------------------------------------------------------------------------------------------

const counted = {
  streams: new Set<string>(),
  json: new Set<string>(),
  requests: new Set<string>(),
  checks: 0,
};

beforeAll(async () => {
  scriptedGuard = await createGuard({ engine: createScriptedEngine() });
});
afterAll(async () => {
  for (const server of servers) server.close();
  await modelGuard?.dispose();
  console.log(
    `leak suite: ${counted.streams.size} stream shapes, ${counted.json.size} JSON answer shapes, ${counted.requests.size} request shapes (${counted.streams.size + counted.json.size + counted.requests.size} in all), through Hono, Express 5 and Express 4, buffer and progressive; ${counted.checks} exchanges checked`,
  );
});

describe.each(frameworks)('leak suite (%s)', (framework) => {
  const unsafeStreams = answerShapes.filter((shape) => shape.kind === 'sse' && shape.unsafe);
  const safeStreams = answerShapes.filter((shape) => shape.kind === 'sse' && !shape.unsafe);
  const unsafeJson = answerShapes.filter((shape) => shape.kind === 'json' && shape.unsafe);
  const safeJson = answerShapes.filter((shape) => shape.kind === 'json' && !shape.unsafe);

  it('buffer: no unsafe byte of any stream reaches the client; each ends in its protocol terms', async () => {
    const to = await target(framework, { streamStrategy: 'buffer', streamCheckTokens: 4 });
    const failures: string[] = [];
    for (const shape of unsafeStreams) {
      const before = to.decisions.length;
      const res = await ask(to, shape);
      counted.streams.add(shape.name);
      counted.checks++;
      if (LEAK.test(readable(res.bytes))) failures.push(`${shape.name}: unsafe text reached the client`);
      if (!endsInProtocolTerms(shape, res.bytes))
        failures.push(`${shape.name}: does not end in ${shape.protocol} terms`);
      const decision = to.decisions.slice(before).find((item) => item.role === 'assistant');
      const expected = shape.protocol === 'unknown' ? 'fail-closed' : 'block';
      if (decision?.action !== expected)
        failures.push(`${shape.name}: decision ${decision?.action}, expected ${expected}`);
      if (shape.client) {
        const read = await viaOpenai(to, shape);
        if (LEAK.test(read.shown)) failures.push(`${shape.name}: the openai client showed unsafe text`);
        if (read.error === undefined && read.finish === 'stop')
          failures.push(`${shape.name}: the openai client saw finish_reason stop`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('buffer: safe streams pass byte for byte', async () => {
    const to = await target(framework, { streamStrategy: 'buffer', streamCheckTokens: 4 });
    const failures: string[] = [];
    for (const shape of safeStreams) {
      const res = await ask(to, shape);
      counted.streams.add(shape.name);
      counted.checks++;
      const sent = Buffer.concat(shape.chunks);
      const expected = shape.headers['content-encoding'] ? await gunzip(sent) : sent;
      if (Buffer.compare(res.bytes, expected) !== 0) failures.push(`${shape.name}: bytes changed`);
    }
    expect(failures).toEqual([]);
  });

  it('progressive: every unsafe stream is cut in its protocol terms', async () => {
    const to = await target(framework, { streamStrategy: 'progressive', streamCheckTokens: 4 });
    const failures: string[] = [];
    for (const shape of unsafeStreams) {
      const before = to.decisions.length;
      const res = await ask(to, shape);
      counted.checks++;
      if (!endsInProtocolTerms(shape, res.bytes))
        failures.push(`${shape.name}: does not end in ${shape.protocol} terms`);
      const decision = to.decisions.slice(before).find((item) => item.role === 'assistant');
      if (decision?.action !== 'block' && decision?.action !== 'fail-closed')
        failures.push(`${shape.name}: decision ${decision?.action}`);
    }
    expect(failures).toEqual([]);
  });

  it('JSON answers: unsafe ones are replaced by the protocol error shape, safe ones pass intact', async () => {
    const to = await target(framework);
    const failures: string[] = [];
    for (const shape of unsafeJson) {
      const res = await ask(to, shape);
      counted.json.add(shape.name);
      counted.checks++;
      if (LEAK.test(readable(res.bytes))) failures.push(`${shape.name}: unsafe text reached the client`);
      const expected = shape.protocol === 'unknown' ? 502 : 400;
      if (res.status !== expected) failures.push(`${shape.name}: status ${res.status}, expected ${expected}`);
      const body = JSON.parse(res.bytes.toString()) as {
        type?: string;
        error?: { code?: string; type?: string };
      };
      const shaped =
        shape.protocol === 'anthropic-messages'
          ? body.type === 'error' && body.error?.type === 'invalid_request_error'
          : shape.protocol === 'unknown'
            ? body.error?.code === 'unreadable_response'
            : body.error?.code === 'content_filter';
      if (!shaped) failures.push(`${shape.name}: not the ${shape.protocol} error shape: ${res.bytes}`);
      if (shape.client) {
        const read = await viaOpenai(to, shape);
        if (LEAK.test(read.shown) || !(read.error instanceof OpenAI.BadRequestError))
          failures.push(`${shape.name}: the openai client did not get a 400`);
      }
    }
    for (const shape of safeJson) {
      const res = await ask(to, shape);
      counted.json.add(shape.name);
      counted.checks++;
      const sent = Buffer.concat(shape.chunks);
      const expected = shape.headers['content-encoding'] ? await gunzip(sent) : sent;
      if (res.status !== 200 || Buffer.compare(res.bytes, expected) !== 0)
        failures.push(`${shape.name}: not passed intact (${res.status})`);
    }
    expect(failures).toEqual([]);
  });

  it('requests: the upstream never receives one judged unsafe or unreadable (fail-closed)', async () => {
    const to = await target(framework);
    const failures: string[] = [];
    for (const shape of requestShapes()) {
      const leakId = String(++id);
      const body = typeof shape.body === 'function' ? shape.body() : shape.body;
      const res = await fetch(`${to.url}${shape.path}`, {
        method: 'POST',
        headers: { ...shape.headers, 'x-leak-id': leakId },
        body,
        duplex: 'half',
      } as RequestInit);
      await res.arrayBuffer();
      counted.requests.add(shape.name);
      counted.checks++;
      if (to.upstream.received.has(leakId))
        failures.push(`${shape.name}: reached the upstream (${res.status})`);
      if (res.status !== shape.status)
        failures.push(`${shape.name}: status ${res.status}, expected ${shape.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('requests: safe bodies in every encoding reach the upstream byte for byte', async () => {
    const to = await target(framework);
    const safe = chatBody('What is the weather like?');
    const cases: Array<[string, Uint8Array, Record<string, string>]> = [
      ['gzip', gzipSync(safe), { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
      ['br', brotliCompressSync(safe), { 'content-type': 'application/json', 'content-encoding': 'br' }],
      ['UTF-16LE', utf16le(safe, true), { 'content-type': 'application/json' }],
      ['form-encoded JSON', encoder.encode(safe), { 'content-type': 'application/x-www-form-urlencoded' }],
      [
        'multipart',
        multipart([{ name: 'payload', type: 'application/json', value: safe }]),
        {
          'content-type': 'multipart/form-data; boundary=B0undary',
        },
      ],
    ];
    const failures: string[] = [];
    for (const [name, body, headers] of cases) {
      const leakId = String(++id);
      const res = await fetch(`${to.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...headers, 'x-leak-id': leakId },
        body,
      });
      await res.arrayBuffer();
      const got = to.upstream.received.get(leakId);
      if (res.status !== 200 || !got || Buffer.compare(got, Buffer.from(body)) !== 0)
        failures.push(`${name}: ${res.status}, ${got?.byteLength ?? 'no'} bytes upstream`);
    }
    expect(failures).toEqual([]);
  });
});

async function gunzip(bytes: Buffer) {
  const { gunzipSync } = await import('node:zlib');
  return gunzipSync(bytes);
}

describe('conformance: the core, Hono, Express 5 and Express 4 decide alike', () => {
  it('gives one decision per request case, with every body parser before Vigil or after it', async () => {
    const core = createFetchModerator({ guard: scriptedGuard, maxBodyBytes: 20_000 });
    const shapes = [
      ...requestShapes(),
      {
        name: 'safe chat',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: encoder.encode(chatBody('Hi')),
        status: 200,
      },
    ];
    const targets: Array<{ name: string; to: Target; parserFirst: boolean }> = [
      { name: 'hono', to: await target('hono'), parserFirst: false },
    ];
    for (const version of EXPRESS_VERSIONS) {
      const framework = version === 4 ? 'express4' : 'express';
      targets.push({ name: `express ${version}`, to: await target(framework), parserFirst: false });
      for (const name of PARSERS)
        for (const placement of ['before', 'after'] as const)
          targets.push({
            name: `express ${version}, ${name}() ${placement}`,
            to: await target(framework, {}, scriptedGuard, { name, placement }),
            parserFirst: placement === 'before',
          });
    }
    const mismatches: string[] = [];
    for (const shape of shapes) {
      const bytes =
        typeof shape.body === 'function'
          ? Buffer.from(await new Response(shape.body()).arrayBuffer())
          : shape.body;
      const direct = await core.moderateRequest(
        new Request(`http://localhost${shape.path}`, { method: 'POST', headers: shape.headers }),
        {
          body: bytes.byteLength > 20_000 ? { kind: 'too-large', size: undefined } : { kind: 'bytes', bytes },
        },
      );
      const expected = `${direct.exchange.outcome.decision?.action} ${direct.reply?.status ?? 200}`;
      for (const { name, to, parserFirst } of targets) {
        const before = to.decisions.length;
        const leakId = String(++id);
        const res = await fetch(`${to.url}${shape.path}`, {
          method: 'POST',
          headers: { ...shape.headers, 'x-leak-id': leakId },
          body: typeof shape.body === 'function' ? shape.body() : shape.body,
          duplex: 'half',
        } as RequestInit);
        await res.arrayBuffer();
        const decision = to.decisions.slice(before).find((item) => item.role === 'user');
        const row = `${decision?.action} ${res.status}`;
        // A parser mounted first may refuse a body itself (bad JSON, a charset it lacks), or turn
        // it into a value no API shape reads (Express 4's qs makes nested keys of curl's `-d
        // '{json}'`: refused as unreadable). A refusal of what the core refuses is conformant.
        const bothRefuse =
          parserFirst && direct.reply && res.status >= 400 && !to.upstream.received.has(leakId);
        if (row !== expected && !bothRefuse)
          mismatches.push(`${shape.name}: core ${expected}, ${name} ${row}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('leak suite on the tiny guard model', () => {
  it('buffer: the real model blocks the issue-11 shapes without a leak', async () => {
    modelGuard = await createGuard({
      model: FIXTURE_PATHS.tinyGuard,
      threads: 2,
      contextSize: 2048,
      concurrency: 2,
    });
    const picked = [
      'unsafe stream: chat, \\n\\r\\n',
      'unsafe stream: chat, tool-call arguments',
      'unsafe stream: responses, output_text',
      'unsafe stream: anthropic, text_delta',
      'unsafe JSON: chat tool-call arguments',
    ].map((name) => shapesByName.get(name) as AnswerShape);
    const failures: string[] = [];
    for (const framework of frameworks) {
      const to = await target(framework, { streamStrategy: 'buffer' }, modelGuard);
      for (const shape of picked) {
        const res = await ask(to, shape);
        if (LEAK.test(readable(res.bytes))) failures.push(`${framework} ${shape.name}: leaked`);
        if (shape.kind === 'sse' && !endsInProtocolTerms(shape, res.bytes))
          failures.push(`${framework} ${shape.name}: not ended in protocol terms`);
        if (shape.kind === 'json' && res.status !== 400)
          failures.push(`${framework} ${shape.name}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
