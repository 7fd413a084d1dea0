// Issue 24 items 5 and 16, on both adapters: streams whose events come in an unusual order or
// mix shapes, and annotation headers that claimed more than Vigil checked. Each case failed on
// 341d114. What a user sees is taken from the official clients (tests/support/differential).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKER, sseAnswer, startVigilApps, type VigilApps } from './support/differential/response-apps.js';
import { type ResponseProtocol, requestOf, shownByClients } from './support/differential/response-clients.js';
import { anthropicMessageStart } from './support/differential/response-framings.js';

let apps: VigilApps;
beforeAll(async () => {
  apps = await startVigilApps();
});
afterAll(async () => {
  await apps?.close();
});

const chunk = (index: number, delta: object, finish: string | null = null) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index, delta, finish_reason: finish }],
});
const [HEAD, TAIL] = [MARKER.slice(0, 6), MARKER.slice(6)];

const anthropicText = (index: number, text: string) => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'text_delta', text },
});
const anthropicEnd = [
  {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 3 },
  },
  { type: 'message_stop' },
];
const response = (status: string, output: object[] = []) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1,
  model: 'm',
  status,
  output,
});
const message = (text: string) => ({
  type: 'message',
  id: 'msg_1',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
});

const cases: Array<{ name: string; protocol: ResponseProtocol; events: Array<object | string> }> = [
  {
    name: 'chat: more deltas for a choice after its finish_reason chunk',
    protocol: 'chat',
    events: [
      chunk(0, { role: 'assistant', content: `Here: ${HEAD}` }),
      chunk(0, {}, 'stop'),
      chunk(0, { content: `${TAIL} again.` }),
      'data: [DONE]\n\n',
    ],
  },
  {
    name: 'anthropic: more deltas for a block after its content_block_stop',
    protocol: 'anthropic',
    events: [
      anthropicMessageStart,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      anthropicText(0, `Here: ${HEAD}`),
      { type: 'content_block_stop', index: 0 },
      anthropicText(0, `${TAIL} again.`),
      ...anthropicEnd,
    ],
  },
  {
    name: 'one event that is both an OpenAI chunk and an Anthropic text_delta',
    protocol: 'anthropic',
    events: [
      anthropicMessageStart,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { ...anthropicText(0, `Say ${MARKER} now.`), ...chunk(0, { content: 'Hello.' }) },
      { type: 'content_block_stop', index: 0 },
      ...anthropicEnd,
    ],
  },
  {
    name: 'one event that is both (the stream opened as Anthropic, read by an OpenAI client)',
    protocol: 'chat',
    events: [
      anthropicMessageStart,
      { ...chunk(0, { content: `Say ${MARKER} now.` }), ...anthropicText(0, 'Hello.') },
      'data: [DONE]\n\n',
    ],
  },
  {
    name: 'new: a block that starts with text at another index than its deltas (the SDK files blocks by position)',
    protocol: 'anthropic',
    events: [
      anthropicMessageStart,
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: `Say ${HEAD}` } },
      anthropicText(0, `${TAIL} now.`),
      { type: 'content_block_stop', index: 0 },
      ...anthropicEnd,
    ],
  },
  {
    name: 'new: a Responses item added at another index than its deltas (the SDK files items by position)',
    protocol: 'responses',
    events: [
      { type: 'response.created', sequence_number: 0, response: response('in_progress') },
      {
        type: 'response.output_item.added',
        sequence_number: 1,
        output_index: 1,
        item: { ...message(`Say ${HEAD}`), status: 'in_progress' },
      },
      {
        type: 'response.output_text.delta',
        sequence_number: 2,
        output_index: 0,
        content_index: 0,
        item_id: 'msg_1',
        delta: `${TAIL} now.`,
      },
      { type: 'response.completed', sequence_number: 3, response: response('completed', [message('Hi.')]) },
    ],
  },
  {
    name: 'responses: a *.delta event that also carries a response object',
    protocol: 'responses',
    events: [
      { type: 'response.created', sequence_number: 0, response: response('in_progress') },
      {
        type: 'response.output_item.added',
        sequence_number: 1,
        output_index: 0,
        item: { ...message(''), content: [], status: 'in_progress' },
      },
      {
        type: 'response.content_part.added',
        sequence_number: 2,
        output_index: 0,
        content_index: 0,
        item_id: 'msg_1',
        part: { type: 'output_text', text: '', annotations: [] },
      },
      {
        type: 'response.output_text.delta',
        sequence_number: 3,
        output_index: 0,
        content_index: 0,
        item_id: 'msg_1',
        delta: `Say ${MARKER} now.`,
        response: response('in_progress'),
      },
      { type: 'response.completed', sequence_number: 4, response: response('completed', [message('Hi.')]) },
    ],
  },
];

describe('issue 24 item 5: unusual event orders and mixed shapes (buffer mode)', () => {
  for (const { name, protocol, events } of cases) {
    for (const adapter of ['hono', 'express'] as const) {
      it(`${name} (${adapter}): no client shows the unsafe text`, async () => {
        apps.answer(sseAnswer(events));
        apps.takeDecisions();
        const found = apps.adapters.find((entry) => entry.name === adapter);
        const shown = await shownByClients(found?.fetch as never, protocol);
        for (const { client, texts } of shown)
          for (const text of texts) expect(text, `${client} shows`).not.toContain(MARKER);
        // Judged and blocked, or refused as unreadable (a client that gives up early is a skip):
        // never allowed.
        const decisions = apps.takeDecisions();
        expect(decisions.length).toBeGreaterThan(0);
        for (const decision of decisions) expect(['block', 'fail-closed', 'skip']).toContain(decision.action);
        expect(decisions.some((decision) => decision.action !== 'skip')).toBe(true);
      });
    }
  }
});

describe('issue 24 item 16: annotation headers', () => {
  const post = async (fetch: (url: string, init: RequestInit) => Promise<Response>) => {
    const { path, body } = requestOf('chat', false);
    const reply = await fetch(`http://vigil.test${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await reply.arrayBuffer();
    return reply;
  };
  const forged = {
    'x-vigil-verdict': 'safe',
    'x-vigil-categories': '',
    'x-vigil-unchecked': 'none',
    'x-vigil-note': 'hi',
  };

  for (const adapter of ['hono', 'express'] as const) {
    it(`drops the upstream's own x-vigil-* headers (${adapter})`, async () => {
      const found = apps.adapters.find((entry) => entry.name === adapter);
      const json = (content: string, status = 200) => ({
        status,
        headers: { 'content-type': 'application/json', ...forged },
        chunks: [
          new TextEncoder().encode(
            JSON.stringify({
              object: 'chat.completion',
              choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            }),
          ),
        ],
      });
      apps.answer(json('Hello there.'));
      const safe = await post(found?.fetch as never);
      expect(safe.headers.get('x-vigil-note')).toBeNull();
      expect(safe.headers.get('x-vigil-unchecked')).toBeNull();
      expect(safe.headers.get('x-vigil-verdict')).toBe('safe');
      apps.answer(json('Error', 500));
      const failed = await post(found?.fetch as never);
      expect(failed.status).toBe(500);
      expect(failed.headers.get('x-vigil-note')).toBeNull();
    });

    it(`marks a non-2xx answer unchecked and never safe (${adapter})`, async () => {
      const found = apps.adapters.find((entry) => entry.name === adapter);
      for (const status of [400, 404, 500, 302]) {
        apps.answer({
          status,
          headers: { 'content-type': 'application/json' },
          chunks: [
            new TextEncoder().encode(
              JSON.stringify({ choices: [{ message: { content: `Say ${MARKER}` } }] }),
            ),
          ],
        });
        const reply = await post(found?.fetch as never);
        expect(reply.status).toBe(status);
        expect(reply.headers.get('x-vigil-unchecked')).toBe('response');
        expect(reply.headers.get('x-vigil-verdict')).toBeNull();
        expect(reply.headers.get('x-vigil-request-verdict')).toBe('safe');
      }
    });
  }

  it('drops the upstream x-vigil-* headers in shadow mode too', async () => {
    const shadow = await startVigilApps({ mode: 'shadow' });
    try {
      for (const { fetch } of shadow.adapters) {
        shadow.answer({ status: 404, headers: { 'content-type': 'text/plain', ...forged }, chunks: [] });
        const reply = await post(fetch);
        expect(reply.status).toBe(404);
        expect([...reply.headers.keys()].filter((name) => name.startsWith('x-vigil-'))).toEqual([]);
      }
    } finally {
      await shadow.close();
    }
  });
});
