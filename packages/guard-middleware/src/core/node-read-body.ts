import type { IncomingMessage } from 'node:http';
import type { RawBody } from './body.js';

/** Where a body Vigil read and put back is kept on `req` (shared by duplicate installs). */
const READ = Symbol.for('vigil.node-read-body');
type Marked = IncomingMessage & { [READ]?: RawBody; _body?: unknown };

const isEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? Object.keys(value).length === 0
    : false;

/**
 * True once something other than Vigil has taken bytes from the stream: it ended (a body parser
 * read it: body-parser 1.x also sets `req._body`, 2.x only ends it), it flows to a listener, or
 * `read()` was called on it. An unread stream is judged from its bytes, whatever `req.body` says
 * (body-parser 1.x sets `{}` for a type it skips while the bytes are still there).
 */
function consumed(req: Marked): boolean {
  return (
    req.readableEnded ||
    req.destroyed ||
    req.readableFlowing === true ||
    req.readableDidRead ||
    req._body === true
  );
}

/**
 * The request's bytes, up to `maxBytes`, put back on the stream before it ends so that whatever
 * reads it next (a body parser, multer, a proxy) gets every byte. A stream still unread is always
 * read from, whatever `parsed` (Express's `req.body`) holds. Once another reader consumed it, the
 * body that reader parsed is judged as it is; none (or an empty object) is `unread`: the bytes
 * went elsewhere and cannot be judged, which fails closed.
 */
export function readNodeBody(req: IncomingMessage, maxBytes: number, parsed?: unknown): Promise<RawBody> {
  const marked = req as Marked;
  const length = Number(req.headers['content-length'] ?? Number.NaN);
  const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (!hasBody)
    return Promise.resolve(
      parsed === undefined || parsed === null || isEmptyObject(parsed)
        ? { kind: 'none' }
        : { kind: 'value', value: parsed },
    );
  if (length > maxBytes) return Promise.resolve({ kind: 'too-large', size: length });
  const earlier = marked[READ];
  if (earlier) return Promise.resolve(earlier);
  if (consumed(marked))
    return Promise.resolve(
      parsed === undefined || parsed === null || isEmptyObject(parsed)
        ? {
            kind: 'unread',
            reason: 'the request body was read before the middleware ran, and no parsed body was left',
          }
        : { kind: 'value', value: parsed },
    );
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
      const read: RawBody = body ?? { kind: 'bytes', bytes: Buffer.concat(chunks) };
      marked[READ] = read;
      resolve(read);
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
