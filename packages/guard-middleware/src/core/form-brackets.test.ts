import { expect, it } from 'vitest';
import { parseBody } from './body.js';
import { nestBrackets } from './form-brackets.js';

it('nests bracketed names as qs does, and leaves flat forms alone', async () => {
  expect(
    nestBrackets([
      ['model', 'm'],
      ['messages[0][role]', 'user'],
      ['messages[0][content]', 'hi'],
      ['messages[1][content]', 'there'],
      ['prompt[]', 'a'],
      ['prompt[]', 'b'],
      ['meta[tags][]', 'x'],
    ]),
  ).toEqual({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }, { content: 'there' }],
    prompt: ['a', 'b'],
    meta: { tags: ['x'] },
  });
  expect(
    nestBrackets([
      ['prompt', 'a'],
      ['model', 'm'],
    ]),
  ).toBeUndefined();
});

it('judges a form both flat and nested: an Express 4 upstream reads the nested one', async () => {
  const body = 'prompt=Hello&messages%5B0%5D%5Brole%5D=user&messages%5B0%5D%5Bcontent%5D=unsafe';
  const parsed = await parseBody(
    { kind: 'bytes', bytes: Buffer.from(body) },
    { contentType: 'application/x-www-form-urlencoded', contentEncoding: undefined },
    10_000,
  );
  expect(parsed).toEqual({
    kind: 'json',
    values: [
      { prompt: 'Hello', 'messages[0][role]': 'user', 'messages[0][content]': 'unsafe' },
      { prompt: 'Hello', messages: [{ role: 'user', content: 'unsafe' }] },
    ],
  });
});

it('undoes base64 and quoted-printable parts, and reads unquoted part names', async () => {
  const part = (headers: string, value: string) =>
    `--B\r\nContent-Disposition: form-data; ${headers}\r\n\r\n${value}\r\n`;
  const body = [
    part('name="a"\r\nContent-Transfer-Encoding: base64', Buffer.from('first text').toString('base64')),
    part('name="b"\r\nContent-Transfer-Encoding: quoted-printable', '=73econd=\r\n text'),
    part('name=c', 'third text'),
  ].join('');
  const parsed = await parseBody(
    { kind: 'bytes', bytes: Buffer.from(`${body}--B--\r\n`) },
    { contentType: 'multipart/form-data; boundary=B', contentEncoding: undefined },
    10_000,
  );
  expect(parsed).toEqual({ kind: 'json', values: [{ a: 'first text', b: 'second text', c: 'third text' }] });
});
