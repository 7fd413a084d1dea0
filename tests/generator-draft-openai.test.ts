// Issue 22 through the chat app and the official `openai` client: the tiny generator with and
// without its draft model (tiny-generator-draft.gguf) gives the same greedy answers, streamed and
// not, safe and cut; the drafting one reports its counts as `usage.vigil_draft`.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createChatApp, createGenerator, type Generator, type GeneratorOptions } from '@vigil/generator';
import { createGuard, type Guard } from '@vigil/guard-core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import {
  FIXTURE_PATHS,
  GENERATOR_SENTENCES,
  GENERATOR_SWITCH_WORDS,
} from '../scripts/fixtures/fixture-facts.js';

type Served = { generator: Generator; server: ReturnType<typeof serve>; client: OpenAI };
let guard: Guard;
const served: Record<'off' | 'draft', Served> = {} as Record<'off' | 'draft', Served>;

async function start(draft: GeneratorOptions['draft']): Promise<Served> {
  const generator = await createGenerator({
    guard,
    model: FIXTURE_PATHS.tinyGenerator,
    threads: 2,
    contextSize: 1024,
    temperature: 0,
    checkEvery: { tokens: 12 },
    draft,
  });
  const app = createChatApp({ generator });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
  return { generator, server, client };
}

beforeAll(async () => {
  await ensureTinyFixtures();
  guard = await createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 2,
    contextSize: 1024,
    concurrency: 2,
  });
  served.off = await start(false);
  served.draft = await start({ model: FIXTURE_PATHS.tinyGeneratorDraft });
});
afterAll(async () => {
  for (const { server, generator } of Object.values(served)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await generator.dispose();
  }
  await guard?.dispose();
});

const asks = {
  plain: [{ role: 'user' as const, content: 'What is the weather like?' }],
  story: [{ role: 'user' as const, content: `Tell me a${GENERATOR_SWITCH_WORDS[0]?.text}` }],
};
type DraftUsageJson = { drafted_tokens: number; accepted_tokens: number; refuted_tokens: number };
const draftUsage = (usage: OpenAI.CompletionUsage | null | undefined) =>
  (usage as (OpenAI.CompletionUsage & { vigil_draft?: DraftUsageJson }) | null | undefined)?.vigil_draft;

async function nonStreamed({ client }: Served, messages: (typeof asks)['plain']) {
  const completion = await client.chat.completions.create({ model: 'tiny-generator', messages });
  return {
    content: completion.choices[0]?.message.content,
    finish: completion.choices[0]?.finish_reason,
    draft: draftUsage(completion.usage),
  };
}

async function streamed({ client }: Served, messages: (typeof asks)['plain']) {
  const stream = await client.chat.completions.create({
    model: 'tiny-generator',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  const deltas: string[] = [];
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content;
    if (content) deltas.push(content);
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { deltas, content: deltas.join(''), finish, draft: draftUsage(usage) };
}

describe('draft through the openai client', () => {
  it.each(Object.keys(asks) as (keyof typeof asks)[])(
    '%s: the same answer with and without the draft, not streamed',
    async (ask) => {
      const off = await nonStreamed(served.off, asks[ask]);
      const on = await nonStreamed(served.draft, asks[ask]);
      expect({ content: on.content, finish: on.finish }).toEqual({
        content: off.content,
        finish: off.finish,
      });
      expect(off.draft).toBeUndefined();
      expect(on.draft?.drafted_tokens).toBe(
        (on.draft?.accepted_tokens ?? 0) + (on.draft?.refuted_tokens ?? 0),
      );
      expect(on.draft?.accepted_tokens).toBeGreaterThan(0);
    },
  );

  it.each(Object.keys(asks) as (keyof typeof asks)[])(
    '%s: the same deltas with and without the draft, streamed',
    async (ask) => {
      const off = await streamed(served.off, asks[ask]);
      const on = await streamed(served.draft, asks[ask]);
      expect(on.deltas).toEqual(off.deltas);
      expect(on.finish).toBe(off.finish);
      expect(off.draft).toBeUndefined();
      expect(on.draft?.accepted_tokens).toBeGreaterThan(0);
    },
  );

  it('the answers are the fixture’s: plain whole, the story cut by the guard', async () => {
    expect((await nonStreamed(served.draft, asks.plain)).content).toBe(GENERATOR_SENTENCES.plain);
    const story = await streamed(served.draft, asks.story);
    expect(story.finish).toBe('content_filter');
    expect(GENERATOR_SENTENCES.story.startsWith(story.content.split('\n\n')[0] ?? '')).toBe(true);
  });

  it('GET /healthz shows the draft counts in stats', async () => {
    const { port } = served.draft.server.address() as AddressInfo;
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      stats: { draft: { drafted: number; accepted: number } };
      memory: { generator: { draft?: { modelBytes: number } } };
    };
    expect(health.stats.draft.accepted).toBeGreaterThan(0);
    expect(health.memory.generator.draft?.modelBytes).toBeGreaterThan(40e6);
  });
});
