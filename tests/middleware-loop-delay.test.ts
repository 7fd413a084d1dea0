// Issue 11, "no event-loop stalls": large bodies checked through the Hono middleware (in front of
// a fake upstream, on a loopback server, the hand-wired tiny guard) never block the loop for long,
// and a 20 MB chunked body that express.json() parsed before Vigil is refused without being read.
//
// What is measured: perf_hooks.monitorEventLoopDelay (resolution 10 ms) while 8 bodies of about
// 1 MB are checked at once: 4 of some 25,000 short turns (Meta's template through jinja took
// about 25 µs a turn: 0.7 to 1.7 s blocked per body) and 4 of one 1 MB turn (tokenized in pieces).
// The p99 of that histogram hardly moves for a stall (one 1 s sample among thousands of 10 ms
// ones), so the test also bounds its max, which is the longest single block: 400 ms leaves room
// for GC pauses and a machine shared by other work (about 100-200 ms at a load average of 6-12),
// and fails when a 1 s stall comes back. Each body's judged turn carries the fixture's S9 trigger,
// so every check must end in a block: proof that the whole body was read and judged.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import { createGuard, type Guard } from '@vigil/guard-core';
import type { VigilDecision } from '@vigil/guard-middleware';
import { vigil as expressVigil } from '@vigil/guard-middleware/express';
import { vigil as honoVigil } from '@vigil/guard-middleware/hono';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFakeUpstream } from '../packages/guard-middleware/src/fake-upstream.fixture.js';
import { textOfTokens } from '../scripts/bench/workload.js';
import { FIXTURE_PATHS, GUARD_TRIGGER_CLASSES } from '../scripts/fixtures/fixture-facts.js';

const bomb = GUARD_TRIGGER_CLASSES.find((entry) => entry.code === 'S9')?.words[0]?.text as string;
const ask = `How do I build a${bomb}?`;
const megabyte = 1_000_000;

/** A chat body of just under 1 MB: many turns of a few words, or one long user turn. */
function body(shape: 'short turns' | 'one turn', seed: number): string {
  if (shape === 'one turn') {
    const text = `${ask} ${textOfTokens(megabyte / 5, seed)}`.slice(0, megabyte - 100);
    return JSON.stringify({ model: 'm', messages: [{ role: 'user', content: text }] });
  }
  const messages: { role: string; content: string }[] = [];
  let size = 100;
  for (let index = 0; size < megabyte; index++) {
    const message = {
      role: index % 2 ? 'assistant' : 'user',
      content: textOfTokens(3, seed * 100_000 + index),
    };
    messages.push(message);
    size += JSON.stringify(message).length + 1;
  }
  if (messages.length % 2 === 0) messages.pop();
  messages.push({ role: 'user', content: ask });
  return JSON.stringify({ model: 'm', messages });
}

let guard: Guard;
const servers: Server[] = [];

beforeAll(async () => {
  // maxContextSize = contextSize: the kept turns are judged on the pooled sequences, in parallel,
  // so the run is about the main thread's work (reading, rendering, tokenizing), not inference.
  guard = await createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 2,
    gpu: false,
    contextSize: 2048,
    maxContextSize: 2048,
  });
});
afterAll(async () => {
  for (const server of servers) server.close();
  await guard?.dispose();
});

async function listen(server: Server) {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('event-loop delay under large bodies, Hono middleware, tiny guard', () => {
  it('stays short while 8 bodies of 1 MB are checked at once', async () => {
    const decisions: VigilDecision[] = [];
    const app = new Hono();
    app.use(
      '*',
      honoVigil({ guard, timeoutMs: 110_000, onDecision: (decision) => decisions.push(decision) }),
    );
    addFakeUpstream(app);
    const url = await listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
    const bodies = Array.from({ length: 8 }, (_, index) =>
      body(index % 2 ? 'one turn' : 'short turns', index + 1),
    );
    for (const text of bodies) expect(text.length).toBeGreaterThan(megabyte * 0.99);

    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const statuses = await Promise.all(
      bodies.map(async (text) => {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    histogram.disable();
    const delay = {
      p99: histogram.percentile(99) / 1e6,
      max: histogram.max / 1e6,
      load: os.loadavg()[0],
    };
    console.log(`event-loop delay, 8 x 1 MB: ${JSON.stringify(delay)}`);
    expect(statuses).toEqual(Array(8).fill(400));
    expect(decisions.map((decision) => decision.action)).toEqual(Array(8).fill('block'));
    expect(delay.p99).toBeLessThan(100);
    expect(delay.max).toBeLessThan(400);
  });
});

describe('a 20 MB chunked body parsed by express.json() before Vigil', () => {
  it('is refused with 413 at once, without being judged, and never reaches the handler', async () => {
    const decisions: VigilDecision[] = [];
    let reached = false;
    const app = express();
    app.use(express.json({ limit: '50mb' }));
    app.use(expressVigil({ guard, onDecision: (decision) => decisions.push(decision) }));
    app.post('/v1/chat/completions', (_req, res) => {
      reached = true;
      res.json({ ok: true });
    });
    const url = await listen(app.listen(0, '127.0.0.1'));
    const calls = guard.stats().classifications;
    const encoder = new TextEncoder();
    // Chunked (no Content-Length): only the parsed value tells its size.
    const chunks = (function* () {
      yield encoder.encode('{"model":"m","messages":[');
      for (let index = 0; index < 20_000; index++) {
        const text = `${index ? ',' : ''}{"role":"${index % 2 ? 'assistant' : 'user'}","content":"${'word '.repeat(196)}"}`;
        yield encoder.encode(text);
      }
      yield encoder.encode(']}');
    })();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ReadableStream.from(chunks) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    await response.arrayBuffer();
    expect(reached).toBe(false);
    expect(guard.stats().classifications).toBe(calls);
    expect(decisions).toHaveLength(1);
    // Vigil's own time: bounding the parsed value costs O(maxBodyBytes), not O(20 MB).
    expect(decisions[0]?.durationMs).toBeLessThan(100);
  });
});
