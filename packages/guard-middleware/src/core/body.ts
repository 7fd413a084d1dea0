/** A body as an adapter hands it to the core. */
export type RawBody =
  /** No body (GET, empty). */
  | { kind: 'none' }
  /** The complete bytes. */
  | { kind: 'bytes'; bytes: Uint8Array }
  /** Already parsed by a framework body parser (Express `req.body`). */
  | { kind: 'value'; value: unknown }
  /** Larger than `maxBodyBytes`: not read (the downstream still gets it intact). */
  | { kind: 'too-large'; size: number | undefined }
  /** A content type the middleware does not read (multipart, binary). */
  | { kind: 'unsupported' };

/** A body read for checking. */
export type ParsedBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'invalid-json'; text: string }
  | { kind: 'none' }
  | { kind: 'too-large'; size: number | undefined }
  | { kind: 'unsupported' };

const jsonType = /^application\/([\w.+-]*\+)?json\b/i;
const textType = /^text\/plain\b/i;

/** Content types whose bodies are read for checking: JSON, plain text, none (sniffed as JSON). */
export function isReadableType(contentType: string | undefined): boolean {
  return (
    contentType === undefined ||
    contentType === '' ||
    jsonType.test(contentType) ||
    textType.test(contentType) ||
    /^application\/x-www-form-urlencoded\b/i.test(contentType)
  );
}

/** True for a JSON content type. */
export function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && jsonType.test(contentType);
}

/** True for `text/event-stream`. */
export function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && /^text\/event-stream\b/i.test(contentType);
}

/**
 * Parses a body for checking. JSON content types parse as JSON; a body of another readable type
 * that parses as a JSON object or array is JSON too (curl's `-d` sends JSON as a form); plain text
 * is text. Never throws.
 * @example
 * parseBody({ kind: 'bytes', bytes: new TextEncoder().encode('{"prompt":"hi"}') }, 'application/json');
 * // { kind: 'json', value: { prompt: 'hi' } }
 */
export function parseBody(body: RawBody, contentType: string | undefined): ParsedBody {
  switch (body.kind) {
    case 'none':
    case 'unsupported':
      return body;
    case 'too-large':
      return body;
    case 'value':
      if (typeof body.value === 'string') return parseText(body.value, contentType);
      if (body.value instanceof Uint8Array)
        return parseText(new TextDecoder().decode(body.value), contentType);
      if (body.value === undefined || body.value === null) return { kind: 'none' };
      if (typeof body.value === 'object' && Object.keys(body.value).length === 0) return { kind: 'none' };
      return { kind: 'json', value: body.value };
    case 'bytes':
      if (body.bytes.byteLength === 0) return { kind: 'none' };
      return parseText(new TextDecoder().decode(body.bytes), contentType);
    default:
      return body satisfies never;
  }
}

function parseText(text: string, contentType: string | undefined): ParsedBody {
  if (text.trim() === '') return { kind: 'none' };
  const looksJson = /^\s*[[{]/.test(text);
  if (isJsonType(contentType) || looksJson) {
    try {
      return { kind: 'json', value: JSON.parse(text) };
    } catch {
      if (isJsonType(contentType)) return { kind: 'invalid-json', text };
    }
  }
  if (contentType === undefined || textType.test(contentType)) return { kind: 'text', text };
  return { kind: 'unsupported' };
}
