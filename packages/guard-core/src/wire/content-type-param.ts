/** The `;`-separated parameters after the media type, a quoted string kept whole (`\` escapes). */
function parameters(contentType: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  const start = contentType.indexOf(';');
  if (start === -1) return out;
  for (let index = start + 1; index < contentType.length; index++) {
    const character = contentType[index] as string;
    if (quoted && character === '\\') {
      current += character + (contentType[++index] ?? '');
      continue;
    }
    if (character === '"') quoted = !quoted;
    if (character === ';' && !quoted) {
      out.push(current);
      current = '';
    } else current += character;
  }
  out.push(current);
  return out;
}

/**
 * A parameter of a `Content-Type` header as MIME parsers read it (the media type skipped, quoted
 * strings whole, the first of a repeated name, the name in any case); `undefined` when absent.
 * A `; charset=` or `; boundary=` inside another parameter's quoted value is not a parameter:
 * reading it as one judged a decoy while body-parser, Fetch and Python read the real one.
 * @example
 * contentTypeParam('application/json; note="; charset=utf-8"; charset=utf-7', 'charset'); // 'utf-7'
 */
export function contentTypeParam(contentType: string | undefined, name: string): string | undefined {
  for (const parameter of parameters(contentType ?? '')) {
    const equals = parameter.indexOf('=');
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== name) continue;
    const value = parameter.slice(equals + 1).trim();
    return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return undefined;
}
