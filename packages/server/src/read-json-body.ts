import { TextDecoder } from 'node:util';
import { contentTypeParam } from '@vigil/guard-core/internal';
import { ApiError } from './api-error.js';

/**
 * A JSON request body as the text the client sent, or a refusal that names what is wrong. The
 * service is the last reader of these bodies and answers for the text it judged, so it reads
 * them one way, strictly: no `Content-Encoding`; the declared charset (UTF-8 when none), decoded
 * with WHATWG's decoders and refused when unknown; bytes that are not valid in that charset
 * refused. Read leniently, a `charset=windows-1251` body became replacement characters and was
 * judged safe for the client's Cyrillic text, and a gzip body was called "not valid JSON".
 * @throws ApiError 415 for a content coding or charset it cannot read, 400 for invalid bytes or JSON.
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(
      400,
      'invalid_request_error',
      `request body: expected Content-Type application/json, received '${type.slice(0, 100)}'`,
      { code: 'invalid_content_type' },
    );
  }
  const coding = request.headers.get('content-encoding')?.trim().toLowerCase() ?? '';
  if (coding !== '' && coding !== 'identity') {
    throw new ApiError(
      415,
      'invalid_request_error',
      `request body: expected no Content-Encoding, received '${coding.slice(0, 100)}' (send the JSON uncompressed)`,
      { code: 'unsupported_content_encoding' },
    );
  }
  const charset = contentTypeParam(type, 'charset')?.trim() || 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new ApiError(
      415,
      'invalid_request_error',
      `request body: expected a charset this service can decode (utf-8), received '${charset.slice(0, 100)}'`,
      { code: 'unsupported_charset' },
    );
  }
  let text: string;
  try {
    text = decoder.decode(await request.arrayBuffer());
  } catch {
    throw new ApiError(
      400,
      'invalid_request_error',
      `request body: expected valid ${decoder.encoding} text`,
      {
        code: 'invalid_encoding',
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_request_error', 'request body: expected valid JSON', {
      code: 'invalid_json',
    });
  }
}
