import { expect, it } from 'vitest';
import { parseBody } from './body.js';

it('refuses a body whose declared charset it cannot decode instead of reading it as UTF-8', async () => {
  // body-parser (iconv-lite) decodes UTF-7: `+AGI-omb` is `bomb` to an Express upstream.
  const read = (contentType: string) =>
    parseBody(
      { kind: 'bytes', bytes: Buffer.from('{"prompt":"+AGI-omb"}') },
      { contentType, contentEncoding: undefined },
      1000,
    );
  expect(await read('application/json; charset=utf-7')).toEqual({
    kind: 'unreadable',
    reason: 'the body is in a charset the middleware cannot read',
  });
  expect((await read('text/plain; charset=utf-7')).kind).toBe('unreadable');
  expect(await read('application/json; charset=utf-8')).toMatchObject({
    kind: 'json',
    values: [{ prompt: '+AGI-omb' }],
  });
});
