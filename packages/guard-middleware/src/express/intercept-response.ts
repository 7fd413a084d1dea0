import type { ServerResponse } from 'node:http';
import type { VigilContext } from '../core/decision.js';
import { createPushable } from '../core/pushable.js';
import type { Reply, RequestOutcome, VigilCore } from '../core/vigil-core.js';

type Callback = (error?: Error | null) => void;

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.from(chunk as Uint8Array);
}

/** `[[name, value], ...]` or Node's flat `[name, value, name, value]`. */
function pairsOf(headers: unknown[]): Array<[unknown, unknown]> {
  if (headers.every((entry) => Array.isArray(entry))) return headers as Array<[unknown, unknown]>;
  const pairs: Array<[unknown, unknown]> = [];
  for (let index = 0; index + 1 < headers.length; index += 2)
    pairs.push([headers[index], headers[index + 1]]);
  return pairs;
}

function setHeaders(res: ServerResponse, headers: Record<string, string>) {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/**
 * Takes over `res.write`/`res.end` for the response check: JSON bodies are held until checked
 * (and replaced when blocked); SSE bodies go through the core's stream moderation; anything else
 * passes untouched.
 */
export function interceptResponse(
  res: ServerResponse,
  core: VigilCore,
  request: RequestOutcome,
  context: VigilContext,
  signal: AbortSignal,
) {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let kind: 'json' | 'sse' | 'pass' | undefined;
  /** Set once the checked response may go: the original `writeHead` runs from then on. */
  let releasing = false;
  const held: Buffer[] = [];
  const stream = createPushable<Uint8Array>();

  function start() {
    if (kind) return;
    const contentType = res.getHeader('content-type');
    kind =
      core.responseKind(res.statusCode, typeof contentType === 'string' ? contentType : undefined, request) ??
      'pass';
    if (kind !== 'sse') return;
    const encoding = res.getHeader('content-encoding');
    if (!res.headersSent) {
      res.removeHeader('content-length');
      res.removeHeader('content-encoding');
    }
    releasing = true;
    res.flushHeaders();
    void (async () => {
      const moderated = core.moderateStream(
        stream,
        request,
        signal,
        (decision) => {
          context.response = decision;
        },
        typeof encoding === 'string' ? encoding : undefined,
      );
      for await (const bytes of moderated) write(bytes);
      end();
    })().catch(() => res.destroy());
  }

  async function finishJson() {
    const body = Buffer.concat(held);
    const tooLarge = body.byteLength > core.options.maxBodyBytes;
    const contentType = res.getHeader('content-type');
    const contentEncoding = res.getHeader('content-encoding');
    const outcome = await core.inspectResponse(
      {
        status: res.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        contentEncoding: typeof contentEncoding === 'string' ? contentEncoding : undefined,
        body: tooLarge ? { kind: 'too-large', size: body.byteLength } : { kind: 'bytes', bytes: body },
        signal,
      },
      request,
    );
    context.response = outcome.decision;
    const reply: Reply | undefined = outcome.reply;
    releasing = true;
    if (!reply) {
      setHeaders(res, outcome.headers);
      return end(body);
    }
    if (res.headersSent) return res.destroy();
    res.statusCode = reply.status;
    res.removeHeader('content-length');
    res.removeHeader('content-encoding');
    setHeaders(res, reply.headers);
    end(reply.body);
  }

  // Headers given to writeHead become visible to getHeader (the content type decides the check).
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.find((value) => typeof value === 'object' && value !== null);
    if (headers && !res.headersSent) {
      const pairs = Array.isArray(headers) ? pairsOf(headers) : Object.entries(headers);
      for (const [name, value] of pairs) res.setHeader(String(name), value as string);
    }
    // Decide the check before the headers go; a checked response's headers wait for the check
    // (a blocked answer replaces them), the original writeHead runs once it is released.
    res.statusCode = status;
    const message = rest.find((value) => typeof value === 'string');
    if (typeof message === 'string') res.statusMessage = message;
    start();
    if (res.headersSent) return res;
    if (kind === 'pass' || releasing)
      return writeHead(status, ...rest.filter((value) => typeof value === 'string'));
    return res;
  }) as typeof res.writeHead;

  res.write = ((chunk: unknown, encoding?: unknown, callback?: Callback) => {
    start();
    if (kind === 'pass') return write(chunk, encoding, callback);
    const done = typeof encoding === 'function' ? (encoding as Callback) : callback;
    if (kind === 'sse') stream.push(toBuffer(chunk, encoding));
    else held.push(toBuffer(chunk, encoding));
    done?.();
    return true;
  }) as typeof res.write;

  res.end = ((chunk?: unknown, encoding?: unknown, callback?: Callback) => {
    const done = [chunk, encoding, callback].find((value) => typeof value === 'function') as
      | Callback
      | undefined;
    const data = typeof chunk === 'function' ? undefined : chunk;
    start();
    if (kind === 'pass') return end(chunk, encoding, callback);
    if (data !== undefined && data !== null) {
      if (kind === 'sse') stream.push(toBuffer(data, encoding));
      else held.push(toBuffer(data, encoding));
    }
    if (kind === 'sse') stream.close();
    else void finishJson().catch(() => res.destroy());
    if (done) res.once('finish', () => done());
    return res;
  }) as typeof res.end;
}
