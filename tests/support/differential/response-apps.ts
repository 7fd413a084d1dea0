// Vigil in front of a scripted upstream, on both adapters: Hono through `app.request()` and
// Express through a loopback server. The guard's scripted engine calls any text holding
// MARKER unsafe and records every text it judged.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import type { VigilDecision, VigilOptions } from '@vigil/guard-middleware';
import { vigil as expressVigil } from '@vigil/guard-middleware/express';
import { vigil as honoVigil } from '@vigil/guard-middleware/hono';
import express from 'express';
import { Hono } from 'hono';
import type { VigilFetch } from './response-clients.js';

export const MARKER = 'UNSAFEWORD';

/** What the upstream answers next: status, headers and the body in chunks (sent as they are). */
export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string>;
  chunks: Uint8Array[];
}

export interface VigilApps {
  adapters: Array<{ name: 'hono' | 'express'; fetch: VigilFetch }>;
  /** Sets what the upstream answers from now on. */
  answer(next: UpstreamAnswer): void;
  /** The texts the guard judged since the last call (assistant turns only). */
  takeJudged(): string[];
  /** The answers' decisions since the last call. */
  takeDecisions(): VigilDecision[];
  close(): Promise<void>;
}

const lastTurn = (conversation: string) => conversation.slice(conversation.lastIndexOf('Agent: ') + 7);

/** Both adapters in front of one scripted upstream, with `options` for the middleware. */
export async function startVigilApps(options: Partial<VigilOptions> = {}): Promise<VigilApps> {
  const engine = createScriptedEngine({ rules: [{ match: MARKER, code: 'S1' }] });
  const guard: Guard = await createGuard({ engine, verdictCacheSize: 0 });
  let next: UpstreamAnswer = { status: 200, headers: {}, chunks: [] };
  let seen = 0;
  const decisions: VigilDecision[] = [];
  const settings: VigilOptions = {
    guard,
    streamStrategy: 'buffer',
    onDecision: (decision) => {
      if (decision.role === 'assistant') decisions.push(decision);
    },
    ...options,
  };

  const hono = new Hono();
  hono.use('/v1/*', honoVigil(settings));
  hono.post('/v1/*', () => {
    const { status, headers, chunks } = next;
    const body = chunks.length === 0 ? null : ReadableStream.from(chunks);
    return new Response(body, { status, headers });
  });

  const app = express();
  app.use(expressVigil(settings));
  app.post('/v1/*splat', async (_req, res) => {
    const { status, headers, chunks } = next;
    res.writeHead(status, headers);
    for (const chunk of chunks) {
      res.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    adapters: [
      { name: 'hono', fetch: async (url, init) => hono.request(url, init) },
      { name: 'express', fetch: (url, init) => fetch(url.replace('http://vigil.test', origin), init) },
    ],
    answer(value) {
      next = value;
    },
    takeJudged() {
      const calls = engine.calls.slice(seen);
      seen = engine.calls.length;
      return calls
        .map((call) => call.segments.conversation)
        .filter((conversation) => conversation.includes('Agent: '))
        .map(lastTurn);
    },
    takeDecisions() {
      return decisions.splice(0);
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await guard.dispose();
    },
  };
}

const encoder = new TextEncoder();

/** An SSE answer: each event as `data: JSON` (or a raw string), one chunk per event. */
export function sseAnswer(
  events: Array<object | string>,
  headers: Record<string, string> = {},
): UpstreamAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream', ...headers },
    chunks: events.map((event) =>
      encoder.encode(typeof event === 'string' ? event : `data: ${JSON.stringify(event)}\n\n`),
    ),
  };
}
