// Issue 11, "no event-loop stalls": large bodies checked through the Hono middleware (in front of
// a fake upstream, on a loopback server, the hand-wired tiny guard) never block the loop for long,
// and a 20 MB chunked body that express.json() parsed before Vigil is refused without being read.
//
// What is measured: perf_hooks.monitorEventLoopDelay (resolution 10 ms) while 8 bodies of about
// 1 MB are checked at once: 4 of some 25,000 short turns (Meta's template through jinja took
// about 25 µs a turn: 0.7 to 1.7 s blocked per body) and 4 of one 1 MB turn (tokenized in pieces).
// Over a long run the p99 of that histogram hardly moves for a stall (one 1 s sample among
// thousands of 10 ms ones), so the test also bounds its max, which is the longest single block:
// 400 ms leaves room for GC pauses and a machine shared by other work (about 100-200 ms at a load
// average of 7-14), and fails when a 1 s stall comes back (1.16-1.87 s with Meta's template run by
// jinja). Each body's judged turn carries the fixture's S9 trigger, so every check must end in a
// block: proof that the whole body was read and judged.
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
    const directory = mkdtempSync(join(tmpdir(), 'vigil-loop-delay-'));

    /** One round: 8 new bodies (new seeds: no verdict cache hits), sent at once. */
    async function round(attempt: number) {
      const files = Array.from({ length: 8 }, (_, index) => {
        const text = body(index % 2 ? 'one turn' : 'short turns', attempt * 8 + index + 1);
        expect(text.length).toBeGreaterThan(megabyte * 0.99);
        const file = join(directory, `body-${index}.json`);
        writeFileSync(file, text);
        return file;
      });
      decisions.length = 0;
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      // The client runs in a child process: the server's loop does only the server's work.
      const statuses = await sendFromChild(`${url}/v1/chat/completions`, files);
      histogram.disable();
      expect(statuses).toEqual(Array(8).fill(400));
      expect(decisions.map((decision) => decision.action)).toEqual(Array(8).fill('block'));
      return {
        p99: histogram.percentile(99) / 1e6,
        max: histogram.max / 1e6,
        load: os.loadavg()[0],
      };
    }

    // The p99 of a few seconds of samples moves with the machine's load (a starved process
    // sees late timers however little it does): a round that misses is run once more. A stall
    // of the loop shows in every round's max.
    const rounds = [await round(0)];
    const fits = (delay: { p99: number; max: number }) => delay.p99 < 100 && delay.max < 400;
    if (!fits(rounds[0] as (typeof rounds)[number])) rounds.push(await round(1));
    rmSync(directory, { recursive: true, force: true });
    console.log(`event-loop delay in ms, 8 x 1 MB: ${JSON.stringify(rounds)}`);
    const last = rounds.at(-1) as (typeof rounds)[number];
    expect(last.p99).toBeLessThan(100);
    expect(last.max).toBeLessThan(400);
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
