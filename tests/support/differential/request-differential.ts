// The request-side differential check: a generated request goes through Vigil (a scripted engine
// that records every conversation it judged) to an upstream; the forwarded bytes are parsed by
// each real upstream parser, and every unsafe marker a parser gives an LLM must be one Vigil
// judged. Used by tests/differential-request.test.ts and scripts/fuzz/request-differential.ts.
import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { vigil as expressVigil } from '@vigil/guard-middleware/express';
import { vigil as honoVigil } from '@vigil/guard-middleware/hono';
import type { ErrorRequestHandler } from 'express';
import { Hono } from 'hono';
import { bodyParser, type ExpressVersion, expressApp, listen, PARSERS } from './express-apps.js';
import { llmTexts } from './llm-texts.js';
import { type RequestCase, renderCase } from './request-cases.js';
import { type Forwarded, startUpstreamParsers } from './upstream-parsers.js';

/** Where Vigil runs: Hono, or Express 4/5 with the json, urlencoded, text and raw parsers mounted first. */
export type Via = 'hono' | 'express4' | 'express5';

/** Counts of what the cases did, printed so a run shows it exercised both outcomes. */
export interface DifferentialStats {
  cases: number;
  refused: number;
  forwarded: number;
  /** Parser readings of forwarded requests that gave an LLM some text. */
  readings: number;
  /** Of those, readings that held at least one marker. */
  markedReadings: number;
}

const HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'host', 'keep-alive', 'x-diff-id']);

export async function createRequestDifferential() {
  const engine = createScriptedEngine({
    rules: [{ match: /unsafe\d+x\d+/i, code: 'S1' }],
    wholeConversation: true,
  });
  const guard = await createGuard({ engine });
  const upstream = await startUpstreamParsers();
  /** Per case id: the forwarded request, or the texts an Express handler took from `req.body`. */
  const received = new Map<string, { forwarded?: Forwarded; parsed?: string[] }>();
  const headersOf = (entries: Iterable<[string, string]>) =>
    Object.fromEntries([...entries].filter(([name]) => !HOP.has(name.toLowerCase())));

  const hono = new Hono();
  hono.use('*', honoVigil({ guard, inspect: 'request' }));
  hono.all('*', async (c) => {
    const bytes = new Uint8Array(await c.req.raw.arrayBuffer());
    received.set(c.req.header('x-diff-id') ?? '', {
      forwarded: { path: new URL(c.req.url).pathname, headers: headersOf(c.req.raw.headers), bytes },
    });
    return c.json({ ok: true });
  });

  async function expressFront(version: ExpressVersion) {
    const app = expressApp(version);
    for (const name of PARSERS) app.use(bodyParser(version, name));
    app.use(expressVigil({ guard, inspect: 'request' }));
    app.use(async (req, res) => {
      const id = String(req.headers['x-diff-id'] ?? '');
      const body: unknown = Buffer.isBuffer(req.body) ? req.body.toString() : req.body;
      if (req.readableEnded) received.set(id, { parsed: llmTexts(req.path, body) });
      else {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const headers = headersOf(Object.entries(req.headers).map(([name, value]) => [name, String(value)]));
        received.set(id, { forwarded: { path: req.path, headers, bytes: Buffer.concat(chunks) } });
      }
      res.json({ ok: true });
    });
    // A parser before Vigil that refuses a body (bad JSON, an encoding it lacks): nothing passes.
    app.use(((error, _req, res, _next) => {
      res.status(error.status ?? 400).json({ refused: true });
    }) as ErrorRequestHandler);
    return listen(app);
  }
  const express = { express4: await expressFront(4), express5: await expressFront(5) };

  const stats: DifferentialStats = { cases: 0, refused: 0, forwarded: 0, readings: 0, markedReadings: 0 };
  let next = 0;

  /** Sends one case through Vigil; the holes found (empty when every marker seen was judged). */
  async function check(request: RequestCase, via: Via = 'hono'): Promise<string[]> {
    const id = String(++next);
    const rendered = renderCase(request, id);
    const before = engine.calls.length;
    const init = {
      method: 'POST',
      headers: { ...rendered.headers, 'x-diff-id': id },
      body: rendered.bytes,
    };
    const res =
      via === 'hono'
        ? await hono.request(rendered.path, init)
        : await fetch(`${express[via].url}${rendered.path}`, init);
    await res.arrayBuffer();
    stats.cases++;
    const judged = engine.calls
      .slice(before)
      .map((call) => call.segments.conversation)
      .join('\n');
    const got = received.get(id);
    received.delete(id);
    if (!got) {
      stats.refused++;
      return [];
    }
    stats.forwarded++;
    const readings: Array<[string, string[]]> = [];
    if (got.parsed) readings.push([`${via} req.body`, got.parsed]);
    if (got.forwarded)
      for (const parser of upstream.parsers) {
        const value = await parser.parse(got.forwarded);
        const encoded = got.forwarded.headers['content-encoding'] !== undefined;
        if (value === undefined || (encoded && !parser.decodes && typeof value === 'string')) continue;
        readings.push([parser.name, llmTexts(got.forwarded.path, value)]);
      }
    const holes: string[] = [];
    for (const [name, texts] of readings) {
      if (texts.some((text) => text.trim() !== '')) stats.readings++;
      const seen = rendered.markers.filter((marker) => texts.some((text) => text.includes(marker)));
      if (seen.length > 0) stats.markedReadings++;
      const unjudged = seen.filter((marker) => !judged.includes(marker));
      if (unjudged.length > 0)
        holes.push(`${name} read ${unjudged.join(', ')}, which Vigil did not judge (${via}, ${res.status})`);
    }
    return holes;
  }

  return {
    check,
    stats,
    async close() {
      express.express4.server.close();
      express.express5.server.close();
      await upstream.close();
      await guard.dispose();
    },
  };
}
