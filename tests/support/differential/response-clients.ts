// What the official clients assemble for the user from an answer Vigil delivered: the `openai`
// client's chat accumulator, its Responses stream, `@anthropic-ai/sdk`'s MessageStream, and the
// AI SDK's event-stream parser (`parseJsonEventStream`) read as its providers read it.

import { parseJsonEventStream } from '@ai-sdk/provider-utils';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

/** A Fetch that reaches Vigil (Hono's `app.request`, or a loopback server). */
export type VigilFetch = (url: string, init: RequestInit) => Promise<Response>;

/** The texts one client shows; a client that threw keeps what it showed before. */
export interface Shown {
  client: string;
  texts: string[];
}

export type ResponseProtocol = 'chat' | 'completions' | 'responses' | 'anthropic';

const base = 'http://vigil.test';
const ask = [{ role: 'user' as const, content: 'Tell me a story.' }];

/** The request each protocol's clients send (path and body). */
export function requestOf(protocol: ResponseProtocol, stream: boolean): { path: string; body: object } {
  switch (protocol) {
    case 'chat':
      return { path: '/v1/chat/completions', body: { model: 'm', messages: ask, stream } };
    case 'completions':
      return { path: '/v1/completions', body: { model: 'm', prompt: 'Tell me a story.', stream } };
    case 'responses':
      return { path: '/v1/responses', body: { model: 'm', input: 'Tell me a story.', stream } };
    case 'anthropic':
      return { path: '/v1/messages', body: { model: 'm', max_tokens: 64, messages: ask, stream } };
  }
}

const openai = (fetch: VigilFetch) =>
  new OpenAI({ apiKey: 'unused', baseURL: `${base}/v1`, fetch: fetch as never, maxRetries: 0 });
const anthropic = (fetch: VigilFetch) =>
  new Anthropic({ apiKey: 'unused', baseURL: base, fetch: fetch as never, maxRetries: 0 });

/**
 * Runs a client to its end. A client that gives up keeps what it showed before; one that never
 * settles (the `openai` chat accumulator on a choice with no index) is left after 3 s.
 */
async function settle(run: () => Promise<unknown>, abort?: () => void) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('client did not settle')), 3000);
      }),
    ]);
  } catch {
    abort?.();
  } finally {
    clearTimeout(timer);
  }
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** The `openai` client's chat accumulator: each choice's content, refusal and tool arguments. */
async function openaiChat(fetch: VigilFetch): Promise<Shown> {
  const texts: string[] = [];
  let first = '';
  const stream = openai(fetch).chat.completions.stream({ model: 'm', messages: ask });
  stream.on('chunk', (chunk) => {
    first += str(chunk.choices?.[0]?.delta?.content);
  });
  stream.on('error', () => {});
  // Its end-of-stream summary throws outside any promise the caller holds when no choice has
  // `role: "assistant"`: what was shown until then is what counts here.
  const quirk = stream as unknown as { _emitFinal: () => void };
  const emitFinal = quirk._emitFinal.bind(stream);
  quirk._emitFinal = () => {
    try {
      emitFinal();
    } catch {
      // see above
    }
  };
  await settle(
    () => stream.done(),
    () => stream.abort(),
  );
  for (const choice of Object.values(stream.currentChatCompletionSnapshot?.choices ?? {})) {
    const message = record(record(choice).message);
    texts.push(str(message.content), str(message.refusal));
    for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : [])
      texts.push(str(record(record(call).function).arguments));
  }
  return { client: 'openai ChatCompletionStream', texts: [...texts, first] };
}

/** The `openai` client's completions stream, each choice's text joined by index. */
async function openaiCompletions(fetch: VigilFetch): Promise<Shown> {
  const byIndex = new Map<unknown, string>();
  await settle(async () => {
    const stream = await openai(fetch).completions.create({
      model: 'm',
      prompt: 'Tell me a story.',
      stream: true,
    });
    for await (const chunk of stream)
      for (const choice of chunk.choices ?? [])
        byIndex.set(choice.index, (byIndex.get(choice.index) ?? '') + str(choice.text));
  });
  return { client: 'openai completions stream', texts: [...byIndex.values()] };
}

/** The `openai` client's ResponseStream: each part's snapshot, the deltas in order, `output_text`. */
async function openaiResponses(fetch: VigilFetch): Promise<Shown> {
  const parts = new Map<string, string>();
  let arrival = '';
  let final = '';
  await settle(async () => {
    const stream = openai(fetch).responses.stream({ model: 'm', input: 'Tell me a story.' });
    stream.on('response.output_text.delta', (event) => {
      arrival += event.delta;
      parts.set(`${event.output_index}:${event.content_index}`, str(event.snapshot));
    });
    await stream.done();
    final = str((await stream.finalResponse()).output_text);
  });
  return { client: 'openai ResponseStream', texts: [...parts.values(), arrival, final] };
}

/** `@anthropic-ai/sdk`'s MessageStream: its `text` and `thinking` events, and each block's text. */
async function anthropicMessages(fetch: VigilFetch): Promise<Shown> {
  let text = '';
  let thinking = '';
  const stream = anthropic(fetch).messages.stream({ model: 'm', max_tokens: 64, messages: ask });
  stream.on('text', (delta) => {
    text += delta;
  });
  stream.on('thinking', (delta) => {
    thinking += delta;
  });
  await settle(() => stream.done());
  const blocks = (stream.currentMessage?.content ?? []).map((block) => {
    const fields = record(block);
    return str(fields.text) || str(fields.thinking);
  });
  return { client: 'anthropic MessageStream', texts: [text, thinking, ...blocks] };
}

/** The AI SDK's parser (`parseJsonEventStream`), read as its providers read each protocol. */
async function aiSdk(fetch: VigilFetch, protocol: ResponseProtocol): Promise<Shown> {
  const { path, body } = requestOf(protocol, true);
  const byPart = new Map<string, string>();
  const add = (key: string, text: string) => byPart.set(key, (byPart.get(key) ?? '') + text);
  await settle(async () => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    if (!response.body) return;
    const parsed = parseJsonEventStream({ stream: response.body, schema: undefined as never });
    for await (const result of parsed as unknown as AsyncIterable<{ success: boolean; value: unknown }>) {
      if (!result.success) continue;
      const data = record(result.value);
      if (protocol === 'chat' || protocol === 'completions') {
        const choice = record(Array.isArray(data.choices) ? data.choices[0] : undefined);
        const delta = record(choice.delta);
        add('content', str(delta.content) || str(choice.text));
        add('reasoning', str(delta.reasoning_content ?? delta.reasoning));
      } else if (protocol === 'responses') {
        if (data.type === 'response.output_text.delta') add(`text:${str(data.item_id)}`, str(data.delta));
      } else if (data.type === 'content_block_delta') {
        const delta = record(data.delta);
        add(`block:${String(data.index)}`, str(delta.text) || str(delta.thinking));
        add('all', str(delta.text));
      }
    }
  });
  return { client: `AI SDK parseJsonEventStream (${protocol})`, texts: [...byPart.values()] };
}

/** Every text the clients of `protocol` show for one streamed answer. */
export async function shownByClients(fetch: VigilFetch, protocol: ResponseProtocol): Promise<Shown[]> {
  const official =
    protocol === 'chat'
      ? openaiChat(fetch)
      : protocol === 'completions'
        ? openaiCompletions(fetch)
        : protocol === 'responses'
          ? openaiResponses(fetch)
          : anthropicMessages(fetch);
  return [await official, await aiSdk(fetch, protocol)];
}

const partsText = (content: unknown) =>
  Array.isArray(content) ? content.map((part) => str(record(part).text)).join('') : str(content);

/** Every text the clients of `protocol` show for one JSON answer (each part, and joined). */
export async function shownJsonByClients(fetch: VigilFetch, protocol: ResponseProtocol): Promise<Shown[]> {
  const texts: string[] = [];
  await settle(async () => {
    if (protocol === 'chat') {
      const answer = await openai(fetch).chat.completions.create({ model: 'm', messages: ask });
      for (const choice of answer.choices ?? []) texts.push(partsText(choice.message?.content));
    } else if (protocol === 'completions') {
      const answer = await openai(fetch).completions.create({ model: 'm', prompt: 'Tell me a story.' });
      for (const choice of answer.choices ?? []) texts.push(str(choice.text));
    } else if (protocol === 'responses') {
      const answer = await openai(fetch).responses.create({ model: 'm', input: 'Tell me a story.' });
      texts.push(str(answer.output_text));
      for (const item of answer.output ?? []) texts.push(partsText(record(item).content));
    } else {
      const answer = await anthropic(fetch).messages.create({ model: 'm', max_tokens: 64, messages: ask });
      const blocks = (answer.content ?? []).map((block) => str(record(block).text));
      texts.push(...blocks, blocks.join(''));
    }
  });
  return [{ client: `official ${protocol} client (JSON)`, texts }];
}
