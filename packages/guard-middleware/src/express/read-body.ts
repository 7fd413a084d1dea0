import type { IncomingMessage } from 'node:http';
import type { RawBody } from '../core/body.js';

/**
 * The request's bytes, up to `maxBytes`, put back on the stream before it ends so that whatever
 * reads it next (a body parser, multer, a proxy) gets every byte. A body a parser already read
 * (`express.json()`) is taken from `req.body`.
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
    const settle = (body: RawBody | undefined, error?: Error) => {
      req.off('readable', onReadable);
      req.off('error', onError);
      if (error) return reject(error);
      if (chunks.length > 0) req.unshift(Buffer.concat(chunks));
      resolve(body ?? { kind: 'bytes', bytes: Buffer.concat(chunks) });
    };
    const onReadable = () => {
      for (let chunk: Buffer | null = req.read(); chunk !== null; chunk = req.read()) {
        chunks.push(chunk);
        size += chunk.length;
        if (size > maxBytes) return settle({ kind: 'too-large', size: undefined });
      }
      // Node sets `complete` once the whole message arrived; `_readableState.ended` as a fallback.
      const state = (req as unknown as { _readableState?: { ended?: boolean } })._readableState;
      if (req.complete || state?.ended === true) settle(undefined);
    };
    const onError = (error: Error) => settle(undefined, error);
    req.on('readable', onReadable);
    req.on('error', onError);
  });
}
