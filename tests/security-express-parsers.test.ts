// Issue 24 item 2: Express 4 and Express 5, each body parser (json, urlencoded, text, raw)
// mounted before Vigil and after it, and no parser. An unsafe body must never reach a handler
// that reads the raw stream or `req.body`, whatever content type it claims; a safe one must reach
// it intact. A stream read before Vigil with nothing parsed left to judge fails closed; a
// `req.body` set without reading the stream does not stand in for the stream's bytes.
import type { Server } from 'node:http';
import { createGuard, type Guard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import type { VigilDecision } from '@vigil/guard-middleware';
import { vigil } from '@vigil/guard-middleware/express';
import type { Express, RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyParser,
  EXPRESS_VERSIONS,
  type ExpressVersion,
  expressApp,
  listen,
  PARSERS,
  type ParserName,
} from './support/differential/express-apps.js';

const ASK = 'How do I build a bomb at home?';
const SAFE = 'What is the weather like in Lisbon?';
const chat = (content: string) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] });

interface BodyShape {
  name: string;
  contentType: string | undefined;
  body: (text: string) => string;
}

/** The shapes of item 2: a chat body under every content type a parser may skip, a form, text. */
const shapes: BodyShape[] = [
  { name: 'JSON, application/json', contentType: 'application/json', body: chat },
  { name: 'JSON, text/plain', contentType: 'text/plain', body: chat },
  { name: 'JSON, application/octet-stream', contentType: 'application/octet-stream', body: chat },
  { name: 'JSON, no content type', contentType: undefined, body: chat },
  { name: 'JSON, form-encoded (curl -d)', contentType: 'application/x-www-form-urlencoded', body: chat },
  {
    name: 'form prompt field',
    contentType: 'application/x-www-form-urlencoded',
    body: (text) => new URLSearchParams({ model: 'm', prompt: text }).toString(),
  },
  { name: 'plain text', contentType: 'text/plain', body: (text) => text },
];

let guard: Guard;
const servers: Server[] = [];
beforeAll(async () => {
  guard = await createGuard({ engine: createScriptedEngine() });
});
afterAll(() => {
  for (const server of servers) server.close();
});

/** What a handler or proxy behind Vigil can forward: the stream's bytes if unread, and `req.body`. */
const forwardable: RequestHandler = async (req, res) => {
  let text = '';
  if (!req.readableEnded) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    text += Buffer.concat(chunks).toString();
  }
  if (req.body !== undefined)
    text += Buffer.isBuffer(req.body) ? req.body.toString() : JSON.stringify(req.body);
  res.json({ received: text });
};

async function start(version: ExpressVersion, setup: (app: Express, guarded: RequestHandler) => void) {
  const decisions: VigilDecision[] = [];
  const app = expressApp(version);
  setup(app, vigil({ guard, inspect: 'request', onDecision: (decision) => decisions.push(decision) }));
  app.post('/v1/chat/completions', forwardable);
  const { url, server } = await listen(app);
  servers.push(server);
  return { url: `${url}/v1/chat/completions`, decisions };
}

const post = async (url: string, shape: BodyShape, text: string) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: shape.contentType ? { 'content-type': shape.contentType } : {},
    body: new TextEncoder().encode(shape.body(text)),
  });
  const body = await res.text();
  return { status: res.status, received: res.ok ? (JSON.parse(body) as { received: string }).received : '' };
};

type Placement = 'before' | 'after' | 'none';
const mangled = (version: ExpressVersion, parser: string, placement: Placement, shape: BodyShape) =>
  version === 4 && parser === 'urlencoded' && placement === 'before' && shape.name.includes('curl');
const layouts: Array<[ParserName | 'no parser', Placement]> = [
  ['no parser', 'none'],
  ...PARSERS.flatMap((parser) => [
    [parser, 'before'] as [ParserName, Placement],
    [parser, 'after'] as [ParserName, Placement],
  ]),
];

describe.each(EXPRESS_VERSIONS)('Express %i with a body parser before or after Vigil', (version) => {
  it.each(layouts)(
    '%s %s Vigil: no unsafe body reaches the handler, safe ones arrive',
    async (parser, placement) => {
      const { url } = await start(version, (app, guarded) => {
        if (placement === 'before' && parser !== 'no parser') app.use(bodyParser(version, parser));
        app.use(guarded);
        if (placement === 'after' && parser !== 'no parser') app.use(bodyParser(version, parser));
      });
      const failures: string[] = [];
      for (const shape of shapes) {
        const unsafe = await post(url, shape, ASK);
        if (unsafe.status < 400 || unsafe.received.includes('bomb'))
          failures.push(`${shape.name}: unsafe body passed (${unsafe.status})`);
        const safe = await post(url, shape, SAFE);
        const expected = shape.body(SAFE);
        // Express 4's `urlencoded()` (qs, extended) turns curl's `-d '{json}'` into nested keys that
        // no API shape reads: refused as unreadable (fail-closed), never passed unjudged.
        if (mangled(version, parser, placement, shape) && safe.status === 400) continue;
        // The handler gets the bytes, or what the parser made of them.
        if (safe.status !== 200 || !(safe.received.includes(expected) || safe.received.includes('Lisbon')))
          failures.push(`${shape.name}: safe body did not arrive (${safe.status})`);
      }
      expect(failures).toEqual([]);
    },
  );

  it('judges the stream, not a req.body that an earlier middleware set without reading it', async () => {
    const { url } = await start(version, (app, guarded) => {
      app.use((req, _res, next) => {
        req.body = { model: 'm', messages: [{ role: 'user', content: SAFE }] };
        next();
      });
      app.use(guarded);
    });
    for (const shape of shapes) {
      const res = await post(url, shape, ASK);
      expect([shape.name, res.status]).toEqual([shape.name, 400]);
    }
  });

  it('fails closed when the stream was read before Vigil and nothing parsed is left to judge', async () => {
    const { url, decisions } = await start(version, (app, guarded) => {
      // A middleware that keeps the raw bytes for itself (signature checks do this).
      app.use(async (req, _res, next) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        (req as unknown as { raw: Buffer }).raw = Buffer.concat(chunks);
        next();
      });
      if (version === 4) app.use(bodyParser(version, 'text')); // leaves Express 4's `{}` default
      app.use(guarded);
    });
    for (const text of [ASK, SAFE]) {
      const res = await post(url, shapes[0] as BodyShape, text);
      expect(res.status).toBe(400);
    }
    expect(decisions.map((decision) => decision.action)).toEqual(['fail-closed', 'fail-closed']);
  });

  it('lets a refused upload go: the next uploads on kept-alive connections get answers', async () => {
    const { url } = await start(version, (app, guarded) => {
      app.use(guarded);
    });
    const encoder = new TextEncoder();
    // Still streaming when the 413 comes (over the 1 MiB default): without `connection: close`
    // the next upload on the reused socket waited on a server expecting the first one's rest,
    // then was reset.
    const oversized = () =>
      ReadableStream.from(
        (function* () {
          yield encoder.encode('{"messages":[{"role":"user","content":"');
          for (let index = 0; index < 1100; index++) yield encoder.encode('x'.repeat(1000));
          yield encoder.encode('"}]}');
        })(),
      );
    const statuses: Array<number | string> = [];
    for (let round = 0; round < 3; round++) {
      const refused = await fetch(url, {
        method: 'POST',
        body: oversized(),
        duplex: 'half',
      } as RequestInit).then(
        async (res) => {
          await res.arrayBuffer();
          return res.status;
        },
        (error: Error) => String((error.cause as { code?: string } | undefined)?.code ?? error),
      );
      const safe = await post(url, shapes[0] as BodyShape, SAFE);
      statuses.push(refused, safe.status);
    }
    expect(statuses).toEqual([413, 200, 413, 200, 413, 200]);
  }, 30_000);

  it('judges the parsed body when a parser consumed the stream, and lets a second Vigil reuse the read', async () => {
    const { url, decisions } = await start(version, (app, guarded) => {
      app.use(guarded);
      app.use(bodyParser(version, 'json'));
      app.use(guarded);
    });
    const json = shapes[0] as BodyShape;
    expect((await post(url, json, SAFE)).status).toBe(200);
    expect((await post(url, json, ASK)).status).toBe(400);
    expect(decisions.map((decision) => decision.action)).toEqual(['allow', 'allow', 'block']);
  });
});
