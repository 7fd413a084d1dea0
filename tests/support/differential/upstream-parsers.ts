// The real parsers an upstream behind Vigil reads a request body with, each as an oracle:
// forwarded bytes and headers in, the parsed body out (`undefined` when that parser refuses it).
// Express 4 and 5 (json, urlencoded, text mounted as an app does), Hono (`c.req.json()`, else
// `parseBody()`), Fastify 5 (its default JSON and text parsers) and Python's `json` plus
// first-value form and multipart parsers in one long-lived subprocess.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { bodyParser, type ExpressVersion, expressApp, listen } from './express-apps.js';

/** A request as it leaves Vigil for the upstream. */
export interface Forwarded {
  path: string;
  headers: Record<string, string>;
  bytes: Uint8Array;
}

export interface UpstreamParser {
  name: string;
  /**
   * Undoes `Content-Encoding` (body-parser does). One that does not reads compressed bytes: a
   * string it makes of them is bytes, not text an LLM is given, and is not counted.
   */
  decodes: boolean;
  /** The body as this parser gives it to a handler; `undefined` when it refuses the request. */
  parse(request: Forwarded): Promise<unknown>;
}

export interface UpstreamParsers {
  parsers: UpstreamParser[];
  close(): Promise<void>;
}

/** Files (multipart file parts) become their text; the rest is kept as it is. */
async function plain(value: unknown): Promise<unknown> {
  if (value instanceof Blob) return value.text();
  if (Array.isArray(value)) return Promise.all(value.map(plain));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: await plain(item), enumerable: true, writable: true });
    }
    return out;
  }
  return value;
}

async function expressParser(version: ExpressVersion): Promise<UpstreamParser & { server: Server }> {
  const app = expressApp(version);
  app.use(bodyParser(version, 'json'), bodyParser(version, 'urlencoded'), bodyParser(version, 'text'));
  app.use((req, res) => {
    res.json({ body: req.body ?? null });
  });
  app.use(((_error, _req, res, _next) => {
    res.status(400).json({ refused: true });
  }) as import('express').ErrorRequestHandler);
  const { url, server } = await listen(app);
  return {
    name: `Express ${version} body-parser`,
    decodes: true,
    server,
    async parse({ path, headers, bytes }) {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: bytes });
      const answer = (await res.json()) as { body?: unknown; refused?: boolean };
      return answer.refused ? undefined : answer.body;
    },
  };
}

function honoParser(): UpstreamParser {
  const app = new Hono();
  app.all('*', async (c) => {
    try {
      return c.json({ body: await c.req.json() });
    } catch {
      const type = c.req.header('content-type') ?? '';
      if (!/form/i.test(type)) return c.json({ body: await c.req.text() });
      try {
        return c.json({ body: await plain(await c.req.parseBody()) });
      } catch {
        return c.json({ refused: true }, 400);
      }
    }
  });
  return {
    name: 'Hono',
    decodes: false,
    async parse({ path, headers, bytes }) {
      const res = await app.request(path, { method: 'POST', headers, body: bytes });
      return res.ok ? ((await res.json()) as { body: unknown }).body : undefined;
    },
  };
}

function fastifyParser() {
  const app = Fastify();
  app.post('*', async (request) => ({ body: request.body ?? null }));
  return {
    name: 'Fastify 5',
    decodes: false,
    close: () => app.close(),
    async parse({ path, headers, bytes }: Forwarded) {
      const res = await app.inject({ method: 'POST', url: path, headers, payload: Buffer.from(bytes) });
      return res.statusCode === 200 ? (res.json() as { body: unknown }).body : undefined;
    },
  };
}

function pythonParser() {
  const script = fileURLToPath(new URL('./python_parsers.py', import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn('python3', [script], { stdio: 'pipe' });
  const pending = new Map<number, (answer: { value?: unknown; error?: string }) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const answer = JSON.parse(line) as { id: number; value?: unknown; error?: string };
    pending.get(answer.id)?.(answer);
    pending.delete(answer.id);
  });
  let id = 0;
  return {
    name: 'Python json / first-value forms',
    decodes: false,
    close: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.once('close', resolve));
    },
    async parse({ headers, bytes }: Forwarded) {
      const answer = await new Promise<{ value?: unknown; error?: string }>((resolve) => {
        pending.set(++id, resolve);
        const line = {
          id,
          contentType: headers['content-type'] ?? '',
          body: Buffer.from(bytes).toString('base64'),
        };
        child.stdin.write(`${JSON.stringify(line)}\n`);
      });
      return 'error' in answer ? undefined : answer.value;
    },
  };
}

/** Starts every upstream parser; `close()` stops the servers and the Python worker. */
export async function startUpstreamParsers(): Promise<UpstreamParsers> {
  const express4 = await expressParser(4);
  const express5 = await expressParser(5);
  const fastify = fastifyParser();
  const python = pythonParser();
  return {
    parsers: [express4, express5, honoParser(), fastify, python],
    async close() {
      express4.server.close();
      express5.server.close();
      await fastify.close();
      await python.close();
    },
  };
}
