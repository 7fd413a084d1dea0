// Issue 11, "no event-loop stalls": large bodies checked through the Hono middleware (in front of
// a fake upstream, on a loopback server, the hand-wired tiny guard) never block the loop for long,
// and a 20 MB chunked body that express.json() parsed before Vigil is refused without being read.
//
// What is measured: perf_hooks.monitorEventLoopDelay (resolution 10 ms) while 8 bodies of about
// 1 MB are checked at once: 4 of some 25,000 short turns (Meta's template through jinja took
// about 25 µs a turn: 0.7 to 1.7 s blocked per body) and 4 of one 1 MB turn (tokenized in pieces).
// The longest single block (the histogram's max) is what a stall shows in. No fixed bound in ms
// (issue 23: a p99 < 100 ms bound went red on a busy machine): the test measures its own baseline
// in the same run, the same 8 bodies sent the same way to the same kind of server that only reads
// and parses them (JSON.parse of 1 MB is itself a block), and requires the max under Vigil to stay
// within 3 times the baseline's max (taken as at least 80 ms: a quiet machine's is tens of ms).
// A stall (1.16-1.87 s with Meta's template run by jinja on a quiet machine, longer on a loaded
// one, as the baseline is) fails that; at a load average of 18 on 2 cores the baseline's max was
// 349 ms and Vigil's 239 ms. Each body's judged turn carries the fixture's S9 trigger, so every
// check must end in a block: proof that the whole body was read and judged.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  // One inference thread: on 2 shared cores, two would take the main thread's core too, and the
  // loop delay would measure the scheduler rather than Vigil.
  guard = await createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 1,
    gpu: false,
    contextSize: 2048,
    maxContextSize: 2048,
  });
});
afterAll(async () => {
  for (const server of servers) server.close();
  await guard?.dispose();
});

const client = `
const { readFileSync } = await import('node:fs');
const [url, ...files] = process.argv.slice(1);
const statuses = await Promise.all(files.map(async (file) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(file) });
  await response.arrayBuffer();
  return response.status;
}));
process.stdout.write(JSON.stringify(statuses));
`;

/** POSTs each file at once from a child process; resolves to the statuses. */
function sendFromChild(url: string, files: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', client, url, ...files], (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout) as number[]),
    );
  });
}

async function listen(server: Server) {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The loop-delay figures of one round: p99 and max in ms, and the load average. */
interface Delay {
  p99: number;
  max: number;
  load: number | undefined;
}

describe('event-loop delay under large bodies, Hono middleware, tiny guard', () => {
  it('stays within 3 times the delay of the same load without the guard', async () => {
    const decisions: VigilDecision[] = [];
    const guarded = new Hono();
    guarded.use(
      '*',
      honoVigil({ guard, timeoutMs: 110_000, onDecision: (decision) => decisions.push(decision) }),
    );
    addFakeUpstream(guarded);
    // The baseline: the same bodies read and parsed, nothing judged; 400 like Vigil's block.
    const bare = new Hono();
    bare.post('/v1/chat/completions', async (c) => {
      const parsed = (await c.req.json()) as { messages: unknown[] };
      return c.json({ messages: parsed.messages.length }, 400);
    });
    const guardedUrl = await listen(
      serve({ fetch: guarded.fetch, port: 0, hostname: '127.0.0.1' }) as Server,
    );
    const bareUrl = await listen(serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
    const directory = mkdtempSync(join(tmpdir(), 'vigil-loop-delay-'));

    /** 8 new bodies (new seeds: no verdict cache hits). */
    function bodies(attempt: number) {
      return Array.from({ length: 8 }, (_, index) => {
        const text = body(index % 2 ? 'one turn' : 'short turns', attempt * 8 + index + 1);
        expect(text.length).toBeGreaterThan(megabyte * 0.99);
        const file = join(directory, `body-${attempt}-${index}.json`);
        writeFileSync(file, text);
        return file;
      });
    }

    /** Sends the bodies at once to `url` and measures this process's loop delay meanwhile. */
    async function measure(url: string, files: string[]): Promise<Delay> {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      // The client runs in a child process: the server's loop does only the server's work.
      const statuses = await sendFromChild(`${url}/v1/chat/completions`, files);
      histogram.disable();
      expect(statuses).toEqual(Array(8).fill(400));
      return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, load: os.loadavg()[0] };
    }

    /** One round: the baseline, then the same load through Vigil. */
    async function round(attempt: number) {
      const files = bodies(attempt);
      const baseline = await measure(bareUrl, files);
      decisions.length = 0;
      const vigil = await measure(guardedUrl, files);
      expect(decisions.map((decision) => decision.action)).toEqual(Array(8).fill('block'));
      return { baseline, vigil };
    }

    // The machine's load moves both figures; a round that misses (a burst of other work during
    // Vigil's half) is run once more. A stall of the loop shows in every round.
    const fits = ({ baseline, vigil }: { baseline: Delay; vigil: Delay }) =>
      vigil.max <= 3 * Math.max(baseline.max, 80);
    const rounds = [await round(0)];
    if (!fits(rounds[0] as (typeof rounds)[number])) rounds.push(await round(1));
    rmSync(directory, { recursive: true, force: true });
    console.log(`event-loop delay in ms, 8 x 1 MB, baseline and Vigil: ${JSON.stringify(rounds)}`);
    const last = rounds.at(-1) as (typeof rounds)[number];
    expect(last.vigil.max).toBeLessThanOrEqual(3 * Math.max(last.baseline.max, 80));
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
    // Vigil's own time: bounding the parsed value costs O(maxBodyBytes), not O(20 MB). Its own
    // baseline, in this run: walking the whole value once (serializing it), the least that reading
    // all of it costs; bounding it must take a small part of that (measured: well under a tenth).
    const whole = {
      model: 'm',
      messages: Array.from({ length: 20_000 }, (_, index) => ({
        role: index % 2 ? 'assistant' : 'user',
        content: 'word '.repeat(196),
      })),
    };
    const walks = Array.from({ length: 3 }, () => {
      const started = performance.now();
      JSON.stringify(whole);
      return performance.now() - started;
    });
    expect(decisions[0]?.durationMs).toBeLessThan(Math.min(...walks));
  });
});
