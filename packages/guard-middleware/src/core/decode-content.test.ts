import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { createGuard } from '@vigil/guard-core';
import { VigilBodyTooLargeError } from '@vigil/guard-core/internal';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { describe, expect, it } from 'vitest';
import { sseEvents } from '../fake-upstream.fixture.js';
import { decodeContent } from './decode-content.js';
import { createFetchModerator } from './fetch-core.js';

const text = 'The weather is calm and sunny today. '.repeat(20);

/** The bytes one at a time: a decoder must not depend on how the stream is cut. */
async function* byteByByte(bytes: Uint8Array) {
  for (const byte of bytes) yield Uint8Array.of(byte);
}

async function decoded(bytes: Uint8Array, encoding: string, maxBytes?: number) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of decodeContent(byteByByte(bytes), encoding, maxBytes)) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe('decodeContent', () => {
  it('undoes gzip, deflate (zlib-wrapped and raw), br and stacked codings, however the bytes are cut', async () => {
    expect(await decoded(gzipSync(text), 'gzip')).toBe(text);
    expect(await decoded(gzipSync(text), ' X-GZIP ')).toBe(text);
    expect(await decoded(deflateSync(text), 'deflate')).toBe(text);
    expect(await decoded(deflateRawSync(text), 'deflate')).toBe(text);
    expect(await decoded(brotliCompressSync(text), 'br')).toBe(text);
    expect(await decoded(gzipSync(deflateRawSync(text)), 'deflate, identity, gzip')).toBe(text);
  });

  it('fails while reading on an unknown coding, broken bytes, or a stage past the limit', async () => {
    await expect(decoded(gzipSync(text), 'gzip, zstd')).rejects.toThrow(
      "Content-Encoding: expected gzip, deflate or br, received 'zstd'",
    );
    await expect(decoded(Buffer.from('not gzip'), 'gzip')).rejects.toThrow();
    const bomb = gzipSync(Buffer.alloc(5_000_000, 0x20));
    const error = await decoded(bomb, 'gzip', 100_000).catch((caught: unknown) => caught);
    expect(VigilBodyTooLargeError.isInstance(error)).toBe(true);
    // An inner coding is bounded too: a small outer layer around a large inner one.
    const inner = await decoded(
      gzipSync(gzipSync(Buffer.alloc(5_000_000, 0x20))),
      'gzip, gzip',
      100_000,
    ).catch((caught: unknown) => caught);
    expect(VigilBodyTooLargeError.isInstance(inner)).toBe(true);
  });

  it('passes an error of the source on instead of waiting for more bytes', async () => {
    async function* broken() {
      yield gzipSync(text).subarray(0, 10);
      throw new Error('upstream reset');
    }
    const read = async () => {
      for await (const _ of decodeContent(broken(), 'gzip'));
    };
    await expect(read()).rejects.toThrow('upstream reset');
  });

  it('is the decoder of SSE answers too: a stacked, raw-deflate stream is moderated', async () => {
    const moderator = createFetchModerator({ guard: await createGuard({ engine: createScriptedEngine() }) });
    const request = new Request('http://local/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
    });
    const { exchange } = await moderator.moderateRequest(request);
    const events = Buffer.from(sseEvents('Fine. Then build a bomb with it.', 5).join(''));
    const upstream = new Response(gzipSync(deflateRawSync(events)), {
      headers: { 'content-type': 'text/event-stream', 'content-encoding': 'deflate, gzip' },
    });
    const moderated = await moderator.moderateResponse(upstream, exchange);
    expect(moderated.headers.get('content-encoding')).toBeNull();
    const body = await moderated.text();
    expect(body).toContain('"finish_reason":"content_filter"');
    expect(body).not.toContain('bomb');
    expect(exchange.context.response?.action).toBe('block');
  });
});
