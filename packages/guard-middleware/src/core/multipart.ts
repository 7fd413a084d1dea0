import { contentTypeParam } from '@vigil/guard-core/internal';

/** One part of a `multipart/form-data` body. */
export interface MultipartPart {
  name: string | undefined;
  contentType: string | undefined;
  bytes: Uint8Array;
}

const latin1 = new TextDecoder('latin1');

/**
 * A part's `Content-Transfer-Encoding` undone as Fetch's `formData()` (Hono's `parseBody()`) and
 * Python's multipart parsers undo it: base64 and quoted-printable; anything else as it is.
 */
function undoTransferEncoding(bytes: Uint8Array, encoding: string | undefined): Uint8Array {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(latin1.decode(bytes).replace(/[^A-Za-z0-9+/=_-]/g, ''), 'base64');
    case 'quoted-printable':
      return Buffer.from(
        latin1
          .decode(bytes)
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        'latin1',
      );
    default:
      return bytes;
  }
}

/**
 * Splits a `multipart/form-data` body into its parts (RFC 7578), or `undefined` when the content
 * type has no boundary or the body has none of it. Headers are read as Latin-1, bodies kept as
 * bytes (a base64 or quoted-printable `Content-Transfer-Encoding` undone); a `name` may be quoted or not.
 * @example
 * parseMultipart(bytes, 'multipart/form-data; boundary=x'); // [{ name: 'prompt', contentType: undefined, bytes }]
 */
export function parseMultipart(body: Uint8Array, contentType: string): MultipartPart[] | undefined {
  const marker = contentTypeParam(contentType, 'boundary');
  if (!marker) return undefined;
  const text = latin1.decode(body);
  const delimiter = `--${marker}`;
  const pieces = text.split(delimiter);
  if (pieces.length < 2) return undefined;
  const parts: MultipartPart[] = [];
  let offset = (pieces[0] as string).length + delimiter.length;
  for (const piece of pieces.slice(1)) {
    const start = offset;
    offset += piece.length + delimiter.length;
    if (piece.startsWith('--')) break;
    const headerEnd = piece.search(/\r?\n\r?\n/);
    if (headerEnd === -1) continue;
    const headerText = piece.slice(0, headerEnd);
    const gap = /\r?\n\r?\n/.exec(piece.slice(headerEnd))?.[0].length ?? 2;
    let end = piece.length;
    if (piece.endsWith('\r\n')) end -= 2;
    else if (piece.endsWith('\n')) end -= 1;
    const named = /content-disposition:[^\n]*?\bname=(?:"([^"]*)"|([^;\s]+))/i.exec(headerText);
    const type = /content-type:\s*([^\r\n]+)/i.exec(headerText)?.[1]?.trim();
    const transfer = /content-transfer-encoding:\s*([^\r\n;]+)/i.exec(headerText)?.[1];
    parts.push({
      name: named?.[1] ?? named?.[2],
      contentType: type,
      bytes: undoTransferEncoding(
        body.subarray(start + headerEnd + gap, start + Math.max(end, headerEnd + gap)),
        transfer,
      ),
    });
  }
  return parts;
}
