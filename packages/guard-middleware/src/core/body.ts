import { VigilBodyTooLargeError } from '@vigil/guard-core/internal';
import { decodeContent, isEncoded } from './decode-content.js';
import { decodeText } from './decode-text.js';
import { nestBrackets } from './form-brackets.js';
import { parseJsonLike } from './json-like.js';
import { parseMultipart } from './multipart.js';

/** A body as an adapter hands it to the core. */
export type RawBody =
  /** No body (GET, empty). */
  | { kind: 'none' }
  /** The complete bytes, as received (still content-encoded). */
  | { kind: 'bytes'; bytes: Uint8Array }
  /** Already parsed by a framework body parser (Express `req.body`). */
  | { kind: 'value'; value: unknown }
  /** More than `maxBodyBytes` arrived: not read further (the downstream still gets it intact). */
  | { kind: 'too-large'; size: number | undefined }
  /** A body the adapter could not hand over (already consumed elsewhere). */
  | { kind: 'unread'; reason: string };

/** JSON as the request side reads it: keys upstreams may read differently (twice in one object, `__proto__`) are refused. */
const strict = { refuseAmbiguousKeys: true } as const;

/** A body read for checking. */
export type ParsedBody =
  /** JSON values to read: the body's, or a multipart body's fields and its JSON parts. */
  | { kind: 'json'; values: unknown[]; text?: string | undefined }
  | { kind: 'text'; text: string }
  | { kind: 'none' }
  | { kind: 'too-large'; error: VigilBodyTooLargeError }
  /** Bytes an upstream may read that the middleware cannot (bad JSON, unknown encoding). */
  | { kind: 'unreadable'; reason: string }
  /** A binary content type holding no JSON. */
  | { kind: 'unsupported'; reason: string };

/** What the core needs of the headers to read a body. */
export interface BodyHeaders {
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

const mediaType = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** True for a JSON content type (`application/json`, `+json`, `text/json`). */
export function isJsonType(contentType: string | undefined): boolean {
  return /^(application|text)\/([\w.+-]*\+)?json$/.test(mediaType(contentType));
}

/** True for `text/event-stream`. */
export function isEventStream(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'text/event-stream';
}

/** True for a type whose bytes are text a person reads (`text/*`, none). */
function isTextual(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return type === '' || type.startsWith('text/');
}

/** The decoded bytes of a body (see {@link decodeContent}), at most `maxBytes`. */
async function decodeBytes(bytes: Uint8Array, encoding: string | undefined, maxBytes: number) {
  if (!isEncoded(encoding)) return bytes;
  const chunks: Uint8Array[] = [];
  const source = (async function* () {
    yield bytes;
  })();
  for await (const chunk of decodeContent(source, encoding, maxBytes)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Sums string lengths in a parsed value, stopping as soon as the sum passes `limit`: a bound for
 * bodies parsed elsewhere (`express.json()` with a large `limit`) that costs O(`limit`), however
 * large the value (a 20 MB array is not walked to its end).
 */
export function approximateSize(value: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= limit) {
    const item = stack.pop();
    if (typeof item === 'string') size += item.length + 2;
    else if (Array.isArray(item)) {
      size += 2 + item.length;
      for (let index = 0; index < item.length && size <= limit; index++) stack.push(item[index]);
    } else if (typeof item === 'object' && item !== null) {
      for (const key in item) {
        if (size > limit) break;
        if (!Object.hasOwn(item, key)) continue;
        size += key.length + 4;
        stack.push((item as Record<string, unknown>)[key]);
      }
    } else size += 8;
  }
  return size;
}

/**
 * The records a form's fields make (URL-encoded or multipart), every value of a repeated field
 * judged: the first record holds each field's last value (as `JSON.parse` and most JavaScript
 * parsers keep), then one record per value a later one shadows (the value upstreams that keep
 * the first read). Own properties only: a field named `__proto__` stays a field.
 */
function formRecords(entries: readonly (readonly [string, unknown])[]): Record<string, unknown>[] {
  const lastIndex = new Map(entries.map(([key], index) => [key, index]));
  const shadowed = entries.filter(([key], index) => lastIndex.get(key) !== index);
  return [Object.fromEntries(entries), ...shadowed.map((entry) => Object.fromEntries([entry]))];
}

/** A value `express.urlencoded()` made of curl's `-d '{"json": ...}'`: one key holding JSON, no value. */
function jsonKey(value: Record<string, unknown>): unknown {
  const keys = Object.keys(value);
  if (keys.length !== 1 || value[keys[0] as string] !== '') return undefined;
  const parsed = parseJsonLike(keys[0] as string, strict);
  return parsed.ok ? parsed.value : undefined;
}

async function fromValue(value: unknown, headers: BodyHeaders, maxBytes: number): Promise<ParsedBody> {
  if (value === undefined || value === null) return { kind: 'none' };
  if (typeof value === 'string') return fromText(value, headers.contentType);
  if (value instanceof Uint8Array)
    return fromBytes(value, { ...headers, contentEncoding: undefined }, maxBytes);
  const size = approximateSize(value, maxBytes);
  if (size > maxBytes)
    return { kind: 'too-large', error: new VigilBodyTooLargeError('request body', maxBytes, undefined) };
  if (typeof value === 'object' && !Array.isArray(value)) {
    if (Object.keys(value).length === 0) return { kind: 'none' };
    const parsed = jsonKey(value as Record<string, unknown>);
    if (parsed !== undefined) return { kind: 'json', values: [parsed] };
  }
  return { kind: 'json', values: [value] };
}

function fromText(text: string, contentType: string | undefined): ParsedBody {
  if (text.trim() === '') return { kind: 'none' };
  const type = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded' && !/^\s*[[{]/.test(text)) {
    const entries: (readonly [string, unknown])[] = [];
    for (const [key, value] of new URLSearchParams(text)) {
      const parsed = /^\s*[[{]/.test(value) ? parseJsonLike(value, strict) : undefined;
      if (parsed?.ok === false && parsed.ambiguous)
        return {
          kind: 'unreadable',
          reason: `the form field '${key}' holds ambiguous JSON (${parsed.reason})`,
        };
      entries.push([key, parsed?.ok ? parsed.value : value]);
    }
    // qs-style brackets (`messages[0][content]`): the nested reading Express 4's parser makes.
    const nested = nestBrackets(entries);
    return { kind: 'json', values: [...formRecords(entries), ...(nested === undefined ? [] : [nested])] };
  }
  if (isJsonType(contentType) || /^\s*[[{"]/.test(text) || !isTextual(contentType)) {
    const parsed = parseJsonLike(text, strict);
    if (parsed.ok)
      return { kind: 'json', values: [parsed.value], ...(isTextual(contentType) ? { text } : {}) };
    // JSON that parsers read differently is never read as plain text instead.
    if (isJsonType(contentType) || parsed.ambiguous)
      return { kind: 'unreadable', reason: `the body is not valid JSON (${parsed.reason})` };
  }
  if (isTextual(contentType) || type === 'application/x-www-form-urlencoded') return { kind: 'text', text };
  return { kind: 'unsupported', reason: `a ${type} body that is not JSON` };
}

async function fromBytes(bytes: Uint8Array, headers: BodyHeaders, maxBytes: number): Promise<ParsedBody> {
  let decoded: Uint8Array;
  try {
    decoded = await decodeBytes(bytes, headers.contentEncoding, maxBytes);
  } catch (error) {
    if (VigilBodyTooLargeError.isInstance(error)) return { kind: 'too-large', error };
    return { kind: 'unreadable', reason: `the body cannot be decoded: ${(error as Error).message}` };
  }
  if (decoded.byteLength === 0) return { kind: 'none' };
  if (mediaType(headers.contentType) === 'multipart/form-data') {
    const parts = parseMultipart(decoded, headers.contentType ?? '');
    if (!parts) return { kind: 'unreadable', reason: 'a multipart body without a readable boundary' };
    const fields: (readonly [string, unknown])[] = [];
    const values: unknown[] = [];
    for (const part of parts) {
      const parsed = await fromBytes(
        part.bytes,
        { contentType: part.contentType ?? 'text/plain', contentEncoding: undefined },
        maxBytes,
      );
      // A part an upstream may read that cannot be read here makes the body unreadable.
      if (parsed.kind === 'unreadable' || parsed.kind === 'too-large') return parsed;
      if (parsed.kind === 'json') {
        if (part.name !== undefined) fields.push([part.name, parsed.values[0]]);
        values.push(...parsed.values);
      } else if (parsed.kind === 'text' && part.name !== undefined) fields.push([part.name, parsed.text]);
    }
    const nested = nestBrackets(fields);
    return {
      kind: 'json',
      values: [...formRecords(fields), ...values, ...(nested === undefined ? [] : [nested])],
    };
  }
  // The declared charset, and the one the bytes show (Python's json and others ignore the
  // declaration): every reading that parses is judged, since the upstream may use either. A
  // declared charset this cannot decode (`utf-7`: body-parser's iconv-lite decodes it) is not
  // read in another one instead: what the upstream reads is unknown.
  const declared = decodeText(decoded, headers.contentType);
  if (declared === undefined)
    return { kind: 'unreadable', reason: 'the body is in a charset the middleware cannot read' };
  const texts = [...new Set([declared, decodeText(decoded, undefined)])];
  const readings = texts.flatMap((text) => (text === undefined ? [] : [fromText(text, headers.contentType)]));
  const json = readings.filter((reading) => reading.kind === 'json');
  if (json.length > 0)
    return { kind: 'json', values: json.flatMap((reading) => reading.values), text: json[0]?.text };
  return readings[0] ?? { kind: 'unreadable', reason: 'the body is in a charset the middleware cannot read' };
}

/**
 * Reads a body as upstreams read it, for checking: `Content-Encoding` undone (gzip, deflate, br),
 * the charset found from a byte-order mark, the content type or the bytes (UTF-8/16/32), JSON
 * sniffed whatever the content type says (`text/json`, `application/octet-stream`, form-encoded
 * JSON as curl's `-d` sends it, JSON fields and parts of `multipart/form-data`), with `NaN` and
 * `Infinity` tolerated as Python's `json` does. Text types are text; other bytes are
 * `unsupported`; bytes that claim JSON and do not parse are `unreadable`. Never throws.
 * @example
 * await parseBody({ kind: 'bytes', bytes }, { contentType: 'application/json', contentEncoding: 'gzip' }, 1_048_576);
 * // { kind: 'json', values: [{ prompt: 'hi' }] }
 */
export async function parseBody(body: RawBody, headers: BodyHeaders, maxBytes: number): Promise<ParsedBody> {
  switch (body.kind) {
    case 'none':
      return body;
    case 'too-large':
      return { kind: 'too-large', error: new VigilBodyTooLargeError('body', maxBytes, body.size) };
    case 'value':
      return fromValue(body.value, headers, maxBytes);
    case 'unread':
      return { kind: 'unreadable', reason: body.reason };
    case 'bytes':
      if (body.bytes.byteLength > maxBytes)
        return {
          kind: 'too-large',
          error: new VigilBodyTooLargeError('body', maxBytes, body.bytes.byteLength),
        };
      return fromBytes(body.bytes, headers, maxBytes);
    default:
      return body satisfies never;
  }
}
