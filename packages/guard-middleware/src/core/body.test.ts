import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { approximateSize, parseBody } from './body.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (data: Uint8Array) => ({ kind: 'bytes' as const, bytes: data });
const read = (data: Uint8Array | string, contentType?: string, contentEncoding?: string, max = 1_000_000) =>
  parseBody(bytes(typeof data === 'string' ? utf8(data) : data), { contentType, contentEncoding }, max);
const prompt = { prompt: 'hi' };
const json = JSON.stringify(prompt);

function utf16(text: string, littleEndian: boolean, bom: boolean) {
  const out = Buffer.alloc(text.length * 2);
  for (let index = 0; index < text.length; index++) {
    if (littleEndian) out.writeUInt16LE(text.charCodeAt(index), index * 2);
    else out.writeUInt16BE(text.charCodeAt(index), index * 2);
  }
  const mark = littleEndian ? [0xff, 0xfe] : [0xfe, 0xff];
  return bom ? Buffer.concat([Buffer.from(mark), out]) : out;
}

function utf32(text: string, littleEndian: boolean) {
  const codes = [...text].map((char) => char.codePointAt(0) as number);
  const out = Buffer.alloc(codes.length * 4);
  codes.forEach((code, index) => {
    if (littleEndian) out.writeUInt32LE(code, index * 4);
    else out.writeUInt32BE(code, index * 4);
  });
  return out;
}

describe('parseBody', () => {
  it('sniffs JSON whatever the content type says', async () => {
    for (const type of [
      'application/json',
      'application/vnd.api+json; charset=utf-8',
      'text/json',
      'application/octet-stream',
      'text/plain',
      'application/x-www-form-urlencoded',
      undefined,
      'image/png',
    ]) {
      expect(await read(json, type)).toMatchObject({ kind: 'json', values: [prompt] });
    }
  });

  it('reads UTF-8 with a BOM, UTF-16 and UTF-32 (mark, charset or zero bytes)', async () => {
    expect(
      await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(json)]), 'application/json'),
    ).toMatchObject({
      values: [prompt],
    });
    expect(await read(utf16(json, true, true), 'application/json')).toMatchObject({ values: [prompt] });
    expect(await read(utf16(json, false, true), 'application/json')).toMatchObject({ values: [prompt] });
    expect(await read(utf16(json, true, false), 'application/json; charset=utf-16le')).toMatchObject({
      values: [prompt],
    });
    expect(await read(utf16(json, false, false), 'application/json')).toMatchObject({ values: [prompt] });
    expect(await read(utf16(json, true, false), 'application/json; charset=utf-16')).toMatchObject({
      values: [prompt],
    });
    expect(await read(utf32(json, true), 'application/json')).toMatchObject({ values: [prompt] });
    expect(await read(utf32(json, false), 'application/json; charset=utf-32')).toMatchObject({
      values: [prompt],
    });
    expect(
      await read(Buffer.from('{"prompt":"caf\xe9"}', 'latin1'), 'application/json; charset=iso-8859-1'),
    ).toMatchObject({
      values: [{ prompt: 'café' }, { prompt: 'caf\ufffd' }],
    });
  });

  it('judges every reading when the declared charset and the bytes disagree', async () => {
    const read16 = await read(json, 'application/json; charset=utf-16le');
    expect(read16).toMatchObject({ kind: 'json', values: [prompt] });
  });

  it("tolerates NaN and Infinity as Python's json does", async () => {
    expect(
      await read('{"temperature": NaN, "top_p": -Infinity, "prompt": "NaN Infinity"}', 'application/json'),
    ).toEqual({
      kind: 'json',
      values: [{ temperature: null, top_p: null, prompt: 'NaN Infinity' }],
    });
  });

  it('decodes gzip, deflate (zlib and raw), br and stacked encodings', async () => {
    expect(await read(gzipSync(json), 'application/json', 'gzip')).toMatchObject({ values: [prompt] });
    expect(await read(deflateSync(json), 'application/json', 'deflate')).toMatchObject({ values: [prompt] });
    expect(await read(deflateRawSync(json), 'application/json', 'deflate')).toMatchObject({
      values: [prompt],
    });
    expect(await read(brotliCompressSync(json), 'application/json', 'br')).toMatchObject({
      values: [prompt],
    });
    expect(await read(gzipSync(deflateSync(json)), 'application/json', 'deflate, gzip')).toMatchObject({
      values: [prompt],
    });
    expect(await read(json, 'application/json', 'zstd')).toMatchObject({ kind: 'unreadable' });
    expect(await read(utf8('not gzip'), 'application/json', 'gzip')).toMatchObject({ kind: 'unreadable' });
  });

  it('bounds decoded bodies: a small gzip bomb is too large', async () => {
    const bomb = gzipSync(Buffer.alloc(5_000_000, 0x20));
    expect(bomb.byteLength).toBeLessThan(10_000);
    expect(await read(bomb, 'application/json', 'gzip', 100_000)).toMatchObject({ kind: 'too-large' });
  });

  it('reads multipart fields and JSON parts', async () => {
    const body = [
      '--XyZ',
      'Content-Disposition: form-data; name="model"',
      '',
      'gpt',
      '--XyZ',
      'Content-Disposition: form-data; name="prompt"',
      '',
      'tell me',
      '--XyZ',
      'Content-Disposition: form-data; name="payload"; filename="p.json"',
      'Content-Type: application/json',
      '',
      '{"messages":[{"role":"user","content":"hi"}]}',
      '--XyZ--',
      '',
    ].join('\r\n');
    expect(await read(body, 'multipart/form-data; boundary=XyZ')).toEqual({
      kind: 'json',
      values: [
        { model: 'gpt', prompt: 'tell me', payload: { messages: [{ role: 'user', content: 'hi' }] } },
        { messages: [{ role: 'user', content: 'hi' }] },
      ],
    });
    expect(await read(body, 'multipart/form-data')).toMatchObject({ kind: 'unreadable' });
  });

  it('reads form fields, text, and refuses what it cannot read', async () => {
    expect(await read('prompt=hello+there&model=m', 'application/x-www-form-urlencoded')).toEqual({
      kind: 'json',
      values: [{ prompt: 'hello there', model: 'm' }],
    });
    expect(await read('hello', 'text/plain')).toEqual({ kind: 'text', text: 'hello' });
    expect(await read('hello', undefined)).toEqual({ kind: 'text', text: 'hello' });
    expect(await read('{oops', 'application/json')).toMatchObject({ kind: 'unreadable' });
    expect(await read(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'image/png')).toMatchObject({
      kind: 'unsupported',
    });
    expect(await read('', 'application/json')).toEqual({ kind: 'none' });
  });

  it('bounds values a framework parsed, and reads curl-style JSON keys from express.urlencoded()', async () => {
    const limits = { contentType: 'application/json', contentEncoding: undefined };
    expect(
      await parseBody({ kind: 'value', value: { prompt: 'x'.repeat(2000) } }, limits, 1000),
    ).toMatchObject({
      kind: 'too-large',
    });
    expect(await parseBody({ kind: 'value', value: {} }, limits, 1000)).toEqual({ kind: 'none' });
    expect(await parseBody({ kind: 'value', value: { [json]: '' } }, limits, 1000)).toEqual({
      kind: 'json',
      values: [prompt],
    });
    expect(approximateSize({ a: ['x'.repeat(10)] }, 1000)).toBeGreaterThan(10);
    // Stops once past the limit: the rest of a huge value is never visited.
    const visited = { count: 0 };
    const huge: Record<string, unknown> = {};
    for (let index = 0; index < 100_000; index++) {
      Object.defineProperty(huge, `message${index}`, {
        enumerable: true,
        get: () => {
          visited.count++;
          return 'some text';
        },
      });
    }
    expect(approximateSize(huge, 1000)).toBeGreaterThan(1000);
    expect(visited.count).toBeLessThan(100);
  });

  it('judges every value of a repeated form field, and refuses JSON holding a key twice', async () => {
    const form = 'application/x-www-form-urlencoded';
    expect(await read('prompt=a&model=m&prompt=b&prompt=c', form)).toEqual({
      kind: 'json',
      values: [{ prompt: 'c', model: 'm' }, { prompt: 'a' }, { prompt: 'b' }],
    });
    const proto = (await read('__proto__=x&prompt=a', form)) as { values: object[] };
    expect(Object.hasOwn(proto.values[0] as object, '__proto__')).toBe(true);
    expect(await read('{"a":{"prompt":"x","pro\\u006dpt":"y"}}', 'application/json')).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringMatching(/'prompt': it occurs twice/),
    });
    expect(await read('[{"a":1},{"a":2,"b":{"a":3}},"a"]', 'application/json')).toMatchObject({
      kind: 'json',
    });
    expect(await read('{"__proto__":{"prompt":"x"},"model":"m"}', 'application/json')).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringMatching(/'__proto__': JavaScript parsers may read it as the prototype/),
    });
    expect(await read('{"a":"__proto__","b":["__proto__"]}', 'application/json')).toMatchObject({
      kind: 'json',
    });
    // Escapes inside strings: a quote after an odd number of backslashes does not end the string.
    expect(await read(String.raw`{"k":"\\","k":1}`, 'application/json')).toMatchObject({
      kind: 'unreadable',
    });
    expect(await read(String.raw`{"k":"a\",\"k\":1","j":1}`, 'application/json')).toMatchObject({
      kind: 'json',
    });
    const part = (name: string, value: string, type = '') =>
      `--b\r\nContent-Disposition: form-data; name="${name}"\r\n${type}\r\n${value}\r\n`;
    const multipart = 'multipart/form-data; boundary=b';
    expect(await read(`${part('prompt', 'a')}${part('prompt', 'b')}--b--\r\n`, multipart)).toMatchObject({
      values: [{ prompt: 'b' }, { prompt: 'a' }],
    });
    const twice = part('body', '{"prompt":"a","prompt":"b"}', 'Content-Type: application/json\r\n');
    expect(await read(`${twice}--b--\r\n`, multipart)).toMatchObject({ kind: 'unreadable' });
  });
});
