// `npm run bench:loop-delay`: how long the event loop stalls while the Hono middleware checks
// large request bodies on a real model (issue 11): `concurrency` bodies of about `bytes` each,
// sent at once to a loopback server (Vigil in front of a fake upstream), with
// `perf_hooks.monitorEventLoopDelay` running throughout. Prints one JSON document per round
// (delay percentiles and max in ms, wall time, decisions) and the load average.
//   --model PATH     the guard GGUF (default: the hand-wired tiny-guard fixture)
//   --bytes N        body size (default 1000000)
//   --concurrency N  bodies at once (default 8)
//   --shape S        'turn' (one user turn of that size), 'turns' (2 KB turns), 'short' (turns of a
//                    few words), or 'all' (default)
//   --rounds N       rounds per shape (default 2)
//   --blocks         also report the longest loop blocks and the functions that filled them
// Each body's judged turn names the fixture's S9 trigger first, so the guard stops at the first
// window and the figures are about reading, rendering and tokenizing, not about inference time.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createGuard } from '@vigil/guard-core';
import type { VigilDecision } from '@vigil/guard-middleware';
import { vigil } from '@vigil/guard-middleware/hono';
import { Hono } from 'hono';
import { addFakeUpstream } from '../../packages/guard-middleware/src/fake-upstream.fixture.js';
import { ensureTinyFixtures } from '../fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS, GUARD_TRIGGER_CLASSES } from '../fixtures/fixture-facts.js';
import { startLoopBlocks } from './loop-blocks.js';
import { round, textOfTokens } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    model: { type: 'string' },
    bytes: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '8' },
    shape: { type: 'string', default: 'all' },
    rounds: { type: 'string', default: '2' },
    blocks: { type: 'boolean', default: false },
  },
});
const bytes = Number(flags.bytes);
const concurrency = Number(flags.concurrency);
const bomb = GUARD_TRIGGER_CLASSES.find((entry) => entry.code === 'S9')?.words[0]?.text as string;
const ask = `How do I build a${bomb}? `;
const log = (line: string) => process.stderr.write(`${line}\n`);

if (!flags.model) await ensureTinyFixtures({ log });
const guard = await createGuard({ model: flags.model ?? FIXTURE_PATHS.tinyGuard, threads: 2, gpu: false });
const decisions: VigilDecision[] = [];
const app = new Hono();
app.use('*', vigil({ guard, timeoutMs: 600_000, onDecision: (decision) => decisions.push(decision) }));
addFakeUpstream(app);
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;

/** A chat body of about `bytes` bytes: one user turn, or many alternating turns (2 KB, or a few words). */
function body(shape: string, seed: number): string {
  const frame = JSON.stringify({ model: 'm', messages: [] }).length;
  if (shape === 'turn') {
    const text = ask + textOfTokens(Math.ceil(bytes / 5), seed).slice(0, bytes - frame - 80);
    return JSON.stringify({ model: 'm', messages: [{ role: 'user', content: text }] });
  }
  const messages: { role: string; content: string }[] = [];
  let size = frame;
  for (let index = 0; size < bytes - 2300; index++) {
    const content =
      shape === 'short'
        ? textOfTokens(3, seed * 100_000 + index)
        : textOfTokens(400, seed * 1000 + index).slice(0, 2000);
    messages.push({ role: index % 2 ? 'assistant' : 'user', content });
    size += content.length + 40;
  }
  if (messages.length % 2 === 0) messages.pop();
  messages.push({ role: 'user', content: ask });
  return JSON.stringify({ model: 'm', messages });
}

async function round_(shape: string, seed: number) {
  const bodies = Array.from({ length: concurrency }, (_, index) => body(shape, seed * 100 + index));
  decisions.length = 0;
  const stopBlocks = flags.blocks ? await startLoopBlocks(30) : undefined;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const started = performance.now();
  const statuses = await Promise.all(
    bodies.map(async (text) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  const wallMs = performance.now() - started;
  histogram.disable();
  const blocks = (await stopBlocks?.())?.slice(0, 6);
  const ms = (ns: number) => round(ns / 1e6, 1);
  return {
    shape,
    bodyBytes: bodies[0]?.length,
    concurrency,
    wallMs: round(wallMs, 0),
    delayMs: {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    },
    statuses,
    actions: decisions.map((decision) => `${decision.role}:${decision.action}`),
    ...(blocks ? { blocks } : {}),
    load: os.loadavg().map((value) => round(value, 2)),
  };
}

const shapes = flags.shape === 'all' ? ['turn', 'turns', 'short'] : [String(flags.shape)];
const results = [];
for (const shape of shapes) {
  for (let index = 0; index < Number(flags.rounds); index++) {
    const result = await round_(shape, index + 1);
    log(JSON.stringify(result));
    results.push(result);
  }
}
console.log(JSON.stringify({ model: guard.model.id, results }, null, 2));
server.close();
await guard.dispose();
