// Generated requests for the request-side differential suite (fast-check arbitraries): OpenAI
// chat, completions and Responses bodies, Anthropic messages, `{ prompt }`, forms and multipart,
// with duplicate JSON keys, content parts, odd roles, assistant prefill, charsets, JSON escapes
// and content types. Text leaves that hold `MARK` get a unique unsafe marker per case when
// rendered; the suite then asks which markers each upstream parser sees and which Vigil judged.
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';

/** JSON as text is written: objects keep their order and may repeat a key. */
export type JsonAst =
  | string
  | number
  | boolean
  | null
  | { array: JsonAst[] }
  | { object: Array<[string, JsonAst]> };

/**
 * Shapes of issue 24's request-side items, each of which was a hole on 341d114: all on in the
 * main property, each also switched on alone in a property of its own.
 */
export interface Holes {
  /** Item 4: messages whose role is missing, not a string, or hidden in `__proto__`. */
  roles: boolean;
  /** Item 6: Anthropic `document` (text source) and `search_result` blocks. */
  documentBlocks: boolean;
  /** Item 7: an assistant message after the last user message (prefill). */
  prefill: boolean;
  /** Item 8: the `suffix` of `/v1/completions`. */
  suffix: boolean;
  /** Item 9: a form or multipart field given twice (first-value parsers read the first). */
  duplicateFields: boolean;
}

export const ALL_SHAPES: Holes = {
  roles: true,
  documentBlocks: true,
  prefill: true,
  suffix: true,
  duplicateFields: true,
};

export const NO_HOLES: Holes = {
  roles: false,
  documentBlocks: false,
  prefill: false,
  suffix: false,
  duplicateFields: false,
};

export type Charset =
  | 'utf-8'
  | 'utf-8 BOM'
  | 'utf-16le BOM'
  | 'utf-16le charset'
  | 'utf-16be BOM'
  | 'utf-16be charset'
  | 'utf-16 charset, BOM'
  | 'utf-32le BOM'
  | 'utf-7 charset'
  /** `charset=utf-7`, after a quoted parameter that holds `; charset=utf-8`. */
  | 'utf-7, decoy in a quoted parameter';

/**
 * How a multipart field is written: plainly, unquoted name, a file, base64 or quoted-printable;
 * or after a preamble of parts under a decoy boundary named inside a quoted parameter.
 */
export type PartStyle = 'plain' | 'unquoted name' | 'file' | 'base64' | 'quoted-printable' | 'decoy boundary';

export type RequestCase =
  | {
      kind: 'json';
      path: string;
      body: JsonAst;
      contentType: string | undefined;
      charset: Charset;
      /** Write every letter of every string as a `\uXXXX` escape. */
      escaped: boolean;
      contentEncoding: 'gzip' | 'deflate' | 'br' | undefined;
    }
  | { kind: 'form'; path: string; fields: Array<[string, string]> }
  | { kind: 'multipart'; path: string; fields: Array<[string, string]>; style: PartStyle };

/** A rendered case: what the client sends, and the markers in it. */
export interface RenderedCase {
  path: string;
  headers: Record<string, string>;
  bytes: Uint8Array;
  markers: string[];
}

const object = (...entries: Array<[string, JsonAst] | undefined>): JsonAst => ({
  object: entries.filter((entry) => entry !== undefined),
});
const array = (items: JsonAst[]): JsonAst => ({ array: items });

const leaf = fc.constantFrom(
  'Hello there.',
  'Tell me about trees.',
  'MARK',
  'Please explain MARK today.',
  '',
);
/** The text of a shape a known-hole property focuses on: always unsafe. */
const marked = fc.constantFrom('MARK', 'Please explain MARK today.');

/** An object from its entries, perhaps with one key given twice (before or after its value). */
function withDuplicate(entries: Array<[string, JsonAst]>): fc.Arbitrary<JsonAst> {
  return fc
    .option(fc.tuple(fc.nat(entries.length - 1), leaf, fc.boolean()), { nil: undefined })
    .map((dup) => {
      if (!dup) return { object: entries };
      const [index, value, first] = dup;
      const entry = entries[index] as [string, JsonAst];
      const extra: [string, JsonAst] = [entry[0], typeof entry[1] === 'string' ? value : entry[1]];
      const out = [...entries];
      out.splice(first ? index : index + 1, 0, extra);
      return { object: out };
    });
}

const parts = (type: string) =>
  fc.array(
    leaf.map((text) => object(['type', type], ['text', text])),
    { minLength: 1, maxLength: 3 },
  );

const content = (type: string) => fc.oneof(leaf as fc.Arbitrary<JsonAst>, parts(type).map(array));

function message(roles: fc.Arbitrary<string>, body: fc.Arbitrary<JsonAst>): fc.Arbitrary<JsonAst> {
  return fc.tuple(roles, body).chain(([role, text]) =>
    withDuplicate([
      ['role', role],
      ['content', text],
    ]),
  );
}

/** Messages whose last is a user's (the prefill hole keeps assistant turns after it). */
function conversation(message: (role: string) => fc.Arbitrary<JsonAst>, holes: Holes, roles: string[]) {
  const turns = fc.array(
    fc.constantFrom(...roles).chain((role) => message(role)),
    { maxLength: 3 },
  );
  const oddTurn = holes.roles
    ? fc.oneof(
        marked.map((text) => object(['content', text])),
        fc
          .tuple(fc.constantFrom<JsonAst>(7, null, true, array(['user'])), marked)
          .map(([role, text]) => object(['role', role], ['content', text])),
        marked.map((text) => object(['__proto__', object(['role', 'user'])], ['content', text])),
      )
    : undefined;
  const prefill = holes.prefill
    ? marked.map((text) => object(['role', 'assistant'], ['content', text]))
    : undefined;
  return fc
    .tuple(
      turns,
      message('user'),
      oddTurn ? oddTurn.map((turn) => [turn]) : fc.constant([]),
      prefill ? prefill.map((turn) => [turn]) : fc.constant([]),
    )
    .map(([before, last, odd, after]) => array([...before, last, ...odd, ...after]));
}

function chat(holes: Holes) {
  const turn = (role: string) => message(fc.constant(role), content('text'));
  return conversation(turn, holes, ['user', 'assistant', 'system', 'User', 'human']).chain((messages) =>
    withDuplicate([
      ['model', 'm'],
      ['messages', messages],
    ]).map((body) => ({ path: '/v1/chat/completions', body })),
  );
}

function completions(holes: Holes) {
  return fc
    .tuple(
      fc.oneof(leaf as fc.Arbitrary<JsonAst>, fc.array(leaf, { minLength: 1, maxLength: 3 }).map(array)),
      marked,
    )
    .chain(([prompt, suffix]) =>
      withDuplicate([
        ['model', 'm'],
        ['prompt', prompt],
        ...(holes.suffix ? [['suffix', suffix] as [string, JsonAst]] : []),
      ]),
    )
    .map((body) => ({ path: '/v1/completions', body }));
}

function responses(holes: Holes) {
  const item = (role: string) => message(fc.constant(role), content('input_text'));
  const input = fc.oneof(
    leaf as fc.Arbitrary<JsonAst>,
    conversation(item, holes, ['user', 'assistant', 'developer']),
  );
  return fc
    .tuple(input, leaf)
    .chain(([value, instructions]) =>
      withDuplicate([
        ['model', 'm'],
        ['instructions', instructions],
        ['input', value],
      ]),
    )
    .map((body) => ({ path: '/v1/responses', body }));
}

function anthropic(holes: Holes) {
  const blocks = holes.documentBlocks
    ? fc.array(
        fc.oneof(
          leaf.map((text) => object(['type', 'text'], ['text', text])),
          marked.map((text) =>
            object(
              ['type', 'document'],
              ['source', object(['type', 'text'], ['media_type', 'text/plain'], ['data', text])],
            ),
          ),
          marked.map((text) =>
            object(
              ['type', 'search_result'],
              ['source', 'https://example.com'],
              ['title', 'Result'],
              ['content', array([object(['type', 'text'], ['text', text])])],
            ),
          ),
        ),
        { minLength: 1, maxLength: 3 },
      )
    : parts('text');
  const turn = (role: string) =>
    message(fc.constant(role), fc.oneof(leaf as fc.Arbitrary<JsonAst>, blocks.map(array)));
  return fc
    .tuple(conversation(turn, holes, ['user', 'assistant']), leaf)
    .chain(([messages, system]) =>
      withDuplicate([
        ['model', 'm'],
        ['max_tokens', 9],
        ['system', system],
        ['messages', messages],
      ]),
    )
    .map((body) => ({ path: '/v1/messages', body }));
}

const prompt = () =>
  leaf.chain((text) => withDuplicate([['prompt', text]])).map((body) => ({ path: '/generate', body }));

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'text/json',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  undefined,
];

/** The one hole switched on, if exactly one is. */
function focus(holes: Holes): keyof Holes | undefined {
  const on = (Object.keys(holes) as Array<keyof Holes>).filter((name) => holes[name]);
  return on.length === 1 ? on[0] : undefined;
}

function jsonCase(holes: Holes): fc.Arbitrary<RequestCase> {
  // A property on one known hole generates only the shapes that hole lives in.
  const only = focus(holes);
  const shapes =
    only === 'documentBlocks'
      ? [anthropic(holes)]
      : only === 'suffix'
        ? [completions(holes)]
        : only === 'roles' || only === 'prefill'
          ? [chat(holes), responses(holes), anthropic(holes)]
          : [chat(holes), completions(holes), responses(holes), anthropic(holes), prompt()];
  return fc
    .record({
      shape: fc.oneof(...shapes),
      contentType: fc.constantFrom(...contentTypes),
      charset: fc.constantFrom<Charset>(
        'utf-8',
        'utf-8',
        'utf-8 BOM',
        'utf-16le BOM',
        'utf-16le charset',
        'utf-16be BOM',
        'utf-16be charset',
        'utf-16 charset, BOM',
        'utf-32le BOM',
        'utf-7 charset',
        'utf-7, decoy in a quoted parameter',
      ),
      escaped: fc.boolean(),
      contentEncoding: fc.constantFrom(
        undefined,
        undefined,
        undefined,
        'gzip' as const,
        'deflate' as const,
        'br' as const,
      ),
    })
    .map(({ shape, contentType, charset, escaped, contentEncoding }) => ({
      kind: 'json',
      ...shape,
      contentType,
      charset,
      escaped,
      contentEncoding,
    }));
}

/** Fields in qs's bracket syntax (Express 4's `urlencoded()` nests them), with a plain decoy prompt. */
const bracketFields = fc
  .tuple(leaf, leaf, fc.boolean())
  .map(([text, decoy, withDecoy]): { path: string; fields: Array<[string, string]> } =>
    withDecoy
      ? {
          path: '/v1/chat/completions',
          fields: [
            ['prompt', decoy],
            ['messages[0][role]', 'user'],
            ['messages[0][content]', text],
          ],
        }
      : { path: '/v1/completions', fields: [['prompt[]', text]] },
  );

function formCase(holes: Holes): fc.Arbitrary<RequestCase> {
  const prompts = holes.duplicateFields
    ? fc
        .tuple(marked, fc.array(leaf, { minLength: 1, maxLength: 2 }))
        .map(([first, rest]) => [first, ...rest])
    : leaf.map((text) => [text]);
  const plain = fc
    .record({ path: fc.constantFrom('/generate', '/v1/completions'), prompts })
    .map(({ path, prompts }) => ({
      path,
      fields: [
        ['model', 'm'] as [string, string],
        ...prompts.map((text): [string, string] => ['prompt', text]),
      ],
    }));
  return fc.oneof(
    plain.map((form): RequestCase => ({ kind: 'form', ...form })),
    (holes.duplicateFields ? plain : bracketFields).map((form): RequestCase => ({ kind: 'form', ...form })),
    fc
      .tuple(
        plain,
        fc.constantFrom<PartStyle>(
          'plain',
          'plain',
          'unquoted name',
          'file',
          'base64',
          'quoted-printable',
          'decoy boundary',
        ),
      )
      .map(
        ([form, style]): RequestCase => ({
          kind: 'multipart',
          ...form,
          style: holes.duplicateFields ? 'plain' : style,
        }),
      ),
  );
}

/** Any generated request; `holes` switches on the shapes another branch is fixing. */
export const requestCase = (holes: Holes = NO_HOLES): fc.Arbitrary<RequestCase> =>
  focus(holes) === 'duplicateFields'
    ? formCase(holes)
    : fc.oneof({ arbitrary: jsonCase(holes), weight: 4 }, { arbitrary: formCase(holes), weight: 1 });

// ---------------------------------------------------------------------------------------------
// Rendering

/** Puts a unique marker (`unsafe<tag>x<n>`) in place of each `MARK`. */
function marking(tag: string) {
  const markers: string[] = [];
  const mark = (text: string) =>
    text.replaceAll('MARK', () => {
      const marker = `unsafe${tag}x${markers.length}`;
      markers.push(marker);
      return marker;
    });
  return { markers, mark };
}

function jsonString(text: string, escaped: boolean): string {
  const plain = JSON.stringify(text);
  if (!escaped) return plain;
  return plain.replace(/[a-z]/gi, (letter) => `\\u${letter.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function writeJson(ast: JsonAst, mark: (text: string) => string, escaped: boolean): string {
  if (typeof ast === 'string') return jsonString(mark(ast), escaped);
  if (typeof ast !== 'object' || ast === null) return JSON.stringify(ast);
  if ('array' in ast) return `[${ast.array.map((item) => writeJson(item, mark, escaped)).join(',')}]`;
  return `{${ast.object.map(([key, value]) => `${jsonString(key, escaped)}:${writeJson(value, mark, escaped)}`).join(',')}}`;
}

function encode(
  text: string,
  charset: Charset,
): { bytes: Uint8Array; charsetParam?: string; decoy?: boolean } {
  const utf16le = (value: string) => Buffer.from(value, 'utf16le');
  switch (charset) {
    case 'utf-8':
      return { bytes: Buffer.from(text) };
    case 'utf-8 BOM':
      return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) };
    case 'utf-16le BOM':
      return { bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)]) };
    case 'utf-16le charset':
      return { bytes: utf16le(text), charsetParam: 'utf-16le' };
    case 'utf-16be BOM':
      return { bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16le(text).swap16()]) };
    case 'utf-16be charset':
      return { bytes: utf16le(text).swap16(), charsetParam: 'utf-16be' };
    case 'utf-16 charset, BOM':
      return { bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)]), charsetParam: 'utf-16' };
    case 'utf-7 charset':
    case 'utf-7, decoy in a quoted parameter':
      // Every `u` as a base64 block: the marker is only there for a UTF-7 decoder (iconv-lite).
      return {
        bytes: Buffer.from(text.replaceAll('+', '+-').replaceAll('u', '+AHU-')),
        charsetParam: 'utf-7',
        decoy: charset !== 'utf-7 charset',
      };
    case 'utf-32le BOM': {
      const out = Buffer.alloc(4 + 4 * [...text].length);
      out.writeUInt32LE(0xfeff, 0);
      [...text].forEach((character, index) => {
        out.writeUInt32LE(character.codePointAt(0) as number, 4 + 4 * index);
      });
      return { bytes: out };
    }
    default:
      return charset satisfies never;
  }
}

function compress(bytes: Uint8Array, coding: 'gzip' | 'deflate' | 'br' | undefined): Uint8Array {
  if (coding === 'gzip') return gzipSync(bytes);
  if (coding === 'deflate') return deflateSync(bytes);
  if (coding === 'br') return brotliCompressSync(bytes);
  return bytes;
}

/** The bytes, headers and markers of a case; `tag` makes its markers unique. */
export function renderCase(request: RequestCase, tag: string): RenderedCase {
  const { markers, mark } = marking(tag);
  if (request.kind === 'form') {
    const body = request.fields.map(
      ([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(mark(value))}`,
    );
    return {
      path: request.path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      bytes: Buffer.from(body.join('&')),
      markers,
    };
  }
  if (request.kind === 'multipart') {
    const boundary = `diff${tag}`;
    const parts = request.fields.map(([name, value]) => {
      const text = mark(value);
      const part = (headers: string, body: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; ${headers}\r\n\r\n${body}\r\n`;
      switch (request.style) {
        case 'plain':
        case 'decoy boundary':
          return part(`name="${name}"`, text);
        case 'unquoted name':
          return part(`name=${name}`, text);
        case 'file':
          return part(`name="${name}"; filename="${name}.txt"\r\nContent-Type: text/plain`, text);
        case 'base64':
          return part(
            `name="${name}"\r\nContent-Transfer-Encoding: base64`,
            Buffer.from(text).toString('base64'),
          );
        case 'quoted-printable':
          return part(
            `name="${name}"\r\nContent-Transfer-Encoding: quoted-printable`,
            text.replace(/[a-z]/g, (letter) => `=${letter.charCodeAt(0).toString(16).toUpperCase()}`),
          );
        default:
          return request.style satisfies never;
      }
    });
    if (request.style === 'decoy boundary') {
      // A preamble (ignored by MIME parsers) framed by the decoy boundary, holding a safe prompt.
      const decoy = `decoy${tag}`;
      const preamble = `--${decoy}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nHello there.\r\n--${decoy}--\r\n`;
      return {
        path: request.path,
        headers: {
          'content-type': `multipart/form-data; note="; boundary=${decoy} ;"; boundary=${boundary}`,
        },
        bytes: Buffer.from(`${preamble}${parts.join('')}--${boundary}--\r\n`),
        markers,
      };
    }
    return {
      path: request.path,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      bytes: Buffer.from(`${parts.join('')}--${boundary}--\r\n`),
      markers,
    };
  }
  const encoded = encode(writeJson(request.body, mark, request.escaped), request.charset);
  const { charsetParam, decoy } = encoded;
  const parameter = `${decoy ? '; note="; charset=utf-8"' : ''}; charset=${charsetParam}`;
  const bytes = compress(encoded.bytes, request.contentEncoding);
  const type = request.contentType;
  const headers: Record<string, string> = {};
  if (request.contentEncoding) headers['content-encoding'] = request.contentEncoding;
  if (type !== undefined)
    headers['content-type'] = charsetParam && !type.includes('charset') ? `${type}${parameter}` : type;
  return { path: request.path, headers, bytes, markers };
}
