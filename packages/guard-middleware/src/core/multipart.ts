/** One part of a `multipart/form-data` body. */
export interface MultipartPart {
  name: string | undefined;
  contentType: string | undefined;
  bytes: Uint8Array;
}

const latin1 = new TextDecoder('latin1');

/**
 * Splits a `multipart/form-data` body into its parts (RFC 7578), or `undefined` when the content
 * type has no boundary or the body has none of it. Headers are read as Latin-1, bodies kept as
 * bytes.
 * @example
 * parseMultipart(bytes, 'multipart/form-data; boundary=x'); // [{ name: 'prompt', contentType: undefined, bytes }]
 */
export function parseMultipart(body: Uint8Array, contentType: string): MultipartPart[] | undefined {
  const boundary = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
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
    const name = /content-disposition:[^\n]*?\bname="([^"]*)"/i.exec(headerText)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headerText)?.[1]?.trim();
    parts.push({
      name,
      contentType: type,
      bytes: body.subarray(start + headerEnd + gap, start + Math.max(end, headerEnd + gap)),
    });
  }
  return parts;
}
