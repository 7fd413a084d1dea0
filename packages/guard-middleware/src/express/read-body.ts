import type { IncomingMessage } from 'node:http';
import { parseBody, type RawBody } from '../core/body.js';

/** True once the whole message has arrived (Node sets `complete`; `_readableState.ended` as a fallback). */
function arrived(req: IncomingMessage): boolean {
  const state = (req as unknown as { _readableState?: { ended?: boolean } })._readableState;
  return req.complete || state?.ended === true;
}

/**
 * The request body for checking, in Express: bytes, whatever the content type (the core decides
 * how to read them). A body a parser already read (`express.json()`) is taken from `req.body`
 * (and still bounded by the core). Otherwise the bytes are read up to `maxBytes` and put back on
 * the stream before it ends, so whatever reads it next (a body parser, multer, a proxy) gets
 * every byte; parsed JSON or text is also left on `req.body` for handlers that mount no parser.
 */
export function readRequestBody(
  req: IncomingMessage & { body?: unknown },
  maxBytes: number,
): Promise<RawBody> {
  const length = Number(req.headers['content-length'] ?? Number.NaN);
  if (length > maxBytes) return Promise.resolve({ kind: 'too-large', size: length });
  if (req.body !== undefined) return Promise.resolve({ kind: 'value', value: req.body });
  const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (!hasBody || req.readableEnded) return Promise.resolve({ kind: 'none' });
  // Paused-mode reading: once the 'readable' listener goes and the bytes are unshifted before
  // 'end' is emitted, the stream is back in its initial state for the next reader.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('readable', onReadable);
      req.off('error', onError);
    };
    const putBack = () => {
      cleanup();
      if (chunks.length > 0) req.unshift(Buffer.concat(chunks));
    };
    const onReadable = () => {
      for (let chunk: Buffer | null = req.read(); chunk !== null; chunk = req.read()) {
        chunks.push(chunk);
        size += chunk.length;
        if (size <= maxBytes) continue;
        putBack();
        resolve({ kind: 'too-large', size: undefined });
        return;
      }
      if (!arrived(req)) return;
      const bytes = Buffer.concat(chunks);
      putBack();
      const contentType = req.headers['content-type'];
      const parsed = parseBody(
        { kind: 'bytes', bytes },
        { contentType, contentEncoding: req.headers['content-encoding'] },
        maxBytes,
      );
      const plain = req.headers['content-encoding'] === undefined;
      if (plain && parsed.kind === 'json' && !/multipart/i.test(contentType ?? ''))
        req.body = parsed.values[0];
      else if (plain && parsed.kind === 'text') req.body = parsed.text;
      resolve({ kind: 'bytes', bytes });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('readable', onReadable);
    req.on('error', onError);
  });
}
