import { contentTypeParam } from '@vigil/guard-core/internal';

type Charset = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** The charset a byte-order mark announces, and the mark's length. */
function fromBom(bytes: Uint8Array): [Charset, number] | undefined {
  const [a, b, c, d] = bytes;
  if (a === 0xef && b === 0xbb && c === 0xbf) return ['utf-8', 3];
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return ['utf-32le', 4];
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return ['utf-32be', 4];
  if (a === 0xff && b === 0xfe) return ['utf-16le', 2];
  if (a === 0xfe && b === 0xff) return ['utf-16be', 2];
  return undefined;
}

/** JSON text starts with an ASCII character: its zero bytes give the encoding away (RFC 4627, Python's `json`). */
function fromZeros(bytes: Uint8Array): Charset | undefined {
  if (bytes.byteLength < 4) return undefined;
  const [a, b, c, d] = bytes;
  if (a === 0 && b === 0 && c === 0 && d !== 0) return 'utf-32be';
  if (a !== 0 && b === 0 && c === 0 && d === 0) return 'utf-32le';
  if (a === 0 && b !== 0) return 'utf-16be';
  if (a !== 0 && b === 0) return 'utf-16le';
  return undefined;
}

function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Code points a few thousand at a time: one string per character would take half a second a MB.
  const pieces: string[] = [];
  const codes: number[] = [];
  for (let offset = 0; offset + 3 < bytes.byteLength; offset += 4) {
    const code = view.getUint32(offset, littleEndian);
    codes.push(code <= 0x10ffff ? code : 0xfffd);
    if (codes.length === 4096) pieces.push(String.fromCodePoint(...codes.splice(0)));
  }
  pieces.push(String.fromCodePoint(...codes));
  return pieces.join('');
}

/**
 * Decodes body bytes as an upstream would: a byte-order mark wins, then the content type's
 * `charset`, then the zero-byte pattern of UTF-16/32 JSON, then UTF-8. Returns `undefined` for a
 * charset no decoder here knows.
 * @example
 * decodeText(new Uint8Array([0xff, 0xfe, 0x7b, 0, 0x7d, 0]), undefined); // '{}'
 */
export function decodeText(bytes: Uint8Array, contentType: string | undefined): string | undefined {
  const bom = fromBom(bytes);
  const declared = contentTypeParam(contentType, 'charset')?.toLowerCase() || undefined;
  let charset: string = bom?.[0] ?? declared ?? fromZeros(bytes) ?? 'utf-8';
  if (charset === 'utf-16' || charset === 'ucs-2') charset = fromZeros(bytes) ?? 'utf-16le';
  if (charset === 'utf-32') charset = fromZeros(bytes) ?? 'utf-32le';
  const body = bom ? bytes.subarray(bom[1]) : bytes;
  if (charset === 'utf-32le' || charset === 'utf-32be') return decodeUtf32(body, charset === 'utf-32le');
  try {
    return new TextDecoder(charset, { ignoreBOM: true }).decode(body);
  } catch {
    return undefined;
  }
}
