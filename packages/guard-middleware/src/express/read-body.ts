import type { IncomingMessage } from 'node:http';
import { parseBody, type RawBody } from '../core/body.js';

const readable = /^(application\/([\w.+-]*\+)?json|text\/plain)\b/i;

/**
 * The request body for checking, in Express. A body a parser already read (`express.json()`)
 * is taken from `req.body`. Otherwise JSON and text bodies are read here and left on `req.body`
 * (parsed JSON, or the text), where later parsers find them already read. A body past `maxBytes`
 * is put back on the stream unread by anyone but us, so the handler still gets all of it.
 */
export function readRequestBody(
  req: IncomingMessage & { body?: unknown },
  maxBytes: number,
): Promise<RawBody> {
  const length = Number(req.headers['content-length'] ?? Number.NaN);
  if (length > maxBytes) return Promise.resolve({ kind: 'too-large', size: length });
  if (req.body !== undefined) return Promise.resolve({ kind: 'value', value: req.body });
  const contentType = req.headers['content-type'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (!hasBody || req.readableEnded) return Promise.resolve({ kind: 'none' });
  if (contentType !== undefined && !readable.test(contentType))
    return Promise.resolve({ kind: 'unsupported' });
  // Paused-mode reading: when the 'readable' listener goes, the stream is back in its initial
  // state, so whatever reads it next (a body parser, the handler) gets the unshifted bytes too.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('readable', onReadable);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onReadable = () => {
      for (let chunk: Buffer | null = req.read(); chunk !== null; chunk = req.read()) {
        chunks.push(chunk);
        size += chunk.length;
        if (size <= maxBytes) continue;
        cleanup();
        req.unshift(Buffer.concat(chunks));
        resolve({ kind: 'too-large', size: undefined });
        return;
      }
    };
    const onEnd = () => {
      cleanup();
      const bytes = Buffer.concat(chunks);
      const parsed = parseBody({ kind: 'bytes', bytes }, contentType);
      req.body = parsed.kind === 'json' ? parsed.value : bytes.toString('utf8');
      resolve({ kind: 'bytes', bytes });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('readable', onReadable);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
