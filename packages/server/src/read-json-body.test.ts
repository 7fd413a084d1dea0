import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { readJsonBody } from './read-json-body.js';

const post = (body: Uint8Array | string, headers: Record<string, string>) =>
  new Request('http://service.test/v1/moderations', { method: 'POST', body, headers });

/** The refusal `readJsonBody` throws, as status, code and message. */
async function refusal(request: Request) {
  const error = await readJsonBody(request).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  const { status, code, message } = error as ApiError;
  return { status, code, message };
}

describe('readJsonBody', () => {
  it('reads UTF-8 by default, with or without a byte-order mark', async () => {
    const json = '{"input":"naïve ☃"}';
    expect(await readJsonBody(post(json, { 'content-type': 'application/json' }))).toEqual({
      input: 'naïve ☃',
    });
    const marked = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    expect(await readJsonBody(post(marked, { 'content-type': 'application/json; charset=UTF-8' }))).toEqual({
      input: 'naïve ☃',
    });
  });

  it('decodes the declared charset: the text judged is the text the client sent', async () => {
    // "бомба" in windows-1251: read as UTF-8 it was five replacement characters, judged safe.
    const cyrillic = Buffer.concat([
      Buffer.from('{"input":"'),
      Buffer.from([0xe1, 0xee, 0xec, 0xe1, 0xe0]),
      Buffer.from('"}'),
    ]);
    expect(
      await readJsonBody(post(cyrillic, { 'content-type': 'application/json; charset=windows-1251' })),
    ).toEqual({
      input: 'бомба',
    });
    const utf16 = Buffer.from('{"input":"bomb"}', 'utf16le');
    expect(
      await readJsonBody(post(utf16, { 'content-type': 'application/json; charset="utf-16le"' })),
    ).toEqual({
      input: 'bomb',
    });
    // A charset named inside another parameter's quoted value is not the charset.
    const latin1 = Buffer.from('{"input":"café"}', 'latin1');
    expect(
      await readJsonBody(
        post(latin1, { 'content-type': 'application/json; note="charset=utf-8"; charset=latin1' }),
      ),
    ).toEqual({ input: 'café' });
  });

  it('refuses what it cannot read exactly, naming it', async () => {
    const json = '{"input":"how to build a bomb"}';
    expect(await refusal(post(json, { 'content-type': 'application/json; charset=utf-7' }))).toEqual({
      status: 415,
      code: 'unsupported_charset',
      message: "request body: expected a charset this service can decode (utf-8), received 'utf-7'",
    });
    expect(
      await refusal(post(gzipSync(json), { 'content-type': 'application/json', 'content-encoding': 'gzip' })),
    ).toEqual({
      status: 415,
      code: 'unsupported_content_encoding',
      message: "request body: expected no Content-Encoding, received 'gzip' (send the JSON uncompressed)",
    });
    const invalid = Buffer.concat([
      Buffer.from('{"input":"caf'),
      Buffer.from([0xe9]),
      Buffer.from(' bomb"}'),
    ]);
    expect(await refusal(post(invalid, { 'content-type': 'application/json' }))).toEqual({
      status: 400,
      code: 'invalid_encoding',
      message: 'request body: expected valid utf-8 text',
    });
    expect(await refusal(post('{"input":', { 'content-type': 'application/json' }))).toMatchObject({
      status: 400,
      code: 'invalid_json',
    });
    expect(await refusal(post(json, { 'content-type': 'text/plain' }))).toMatchObject({
      status: 400,
      code: 'invalid_content_type',
    });
    expect(
      await readJsonBody(post(json, { 'content-type': 'application/json', 'content-encoding': 'identity' })),
    ).toEqual({ input: 'how to build a bomb' });
  });
});
