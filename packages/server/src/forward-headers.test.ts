import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';

const key = 'vigil-key-1';

describe('upstreamRequestHeaders', () => {
  it('forwards allow-listed headers only, never one holding a Vigil key', () => {
    const headers = new Headers({
      'content-type': 'application/json',
      'anthropic-beta': 'tools',
      'x-stainless-lang': 'js',
      authorization: `Bearer ${key}`,
      'x-api-key': key,
      'api-key': `x${key}x`,
      cookie: 'a=1',
      'proxy-authorization': 'Basic x',
      connection: 'keep-alive, openai-beta',
      'openai-beta': 'assistants=v2',
      'x-vigil-mode': 'off',
      'x-custom': '1',
      [`anthropic-${key}`]: 'smuggled in the name',
      forwarded: 'for=1.2.3.4',
      host: 'vigil',
      'content-length': '10',
    });
    const sent = upstreamRequestHeaders(headers, {
      apiKeys: [key],
      upstreamAuthorization: null,
      peer: '::1',
    });
    expect(Object.fromEntries(sent)).toEqual({
      'content-type': 'application/json',
      'anthropic-beta': 'tools',
      'x-stainless-lang': 'js',
      'x-forwarded-for': '::1',
    });
  });

  it('appends the peer to the chain, and drops a chain without a known peer', () => {
    const headers = new Headers({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2' });
    const options = { apiKeys: [], upstreamAuthorization: undefined };
    expect(upstreamRequestHeaders(headers, { ...options, peer: '10.0.0.1' }).get('x-forwarded-for')).toBe(
      '1.1.1.1, 2.2.2.2, 10.0.0.1',
    );
    expect(
      upstreamRequestHeaders(headers, { ...options, peer: undefined }).get('x-forwarded-for'),
    ).toBeNull();
    // A chain that smuggles a key is replaced by the peer alone.
    const smuggled = new Headers({ 'x-forwarded-for': key });
    expect(
      upstreamRequestHeaders(smuggled, {
        apiKeys: [key],
        upstreamAuthorization: undefined,
        peer: '10.0.0.1',
      }).get('x-forwarded-for'),
    ).toBe('10.0.0.1');
  });

  it('sets the upstream key, or forwards the client credentials when Vigil has no keys', () => {
    const headers = new Headers({ authorization: 'Bearer sk-client', 'x-api-key': 'sk-ant' });
    const replaced = upstreamRequestHeaders(headers, {
      apiKeys: [],
      upstreamAuthorization: 'up',
      peer: undefined,
    });
    expect(replaced.get('authorization')).toBe('Bearer up');
    const open = upstreamRequestHeaders(headers, {
      apiKeys: [],
      upstreamAuthorization: undefined,
      peer: undefined,
    });
    expect(Object.fromEntries(open)).toEqual({ authorization: 'Bearer sk-client', 'x-api-key': 'sk-ant' });
    const extra = upstreamRequestHeaders(new Headers({ 'helicone-auth': 'h' }), {
      apiKeys: [],
      upstreamAuthorization: undefined,
      peer: undefined,
      extraHeaders: new Set(['helicone-auth']),
    });
    expect(extra.get('helicone-auth')).toBe('h');
  });
  it('keeps the headers the body was judged by, whatever Connection names', () => {
    const headers = new Headers({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      connection: 'content-type, content-encoding, user-agent',
      'user-agent': 'x',
    });
    const sent = upstreamRequestHeaders(headers, {
      apiKeys: [],
      upstreamAuthorization: undefined,
      peer: undefined,
    });
    expect(Object.fromEntries(sent)).toEqual({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
  });
});

describe('clientResponseHeaders', () => {
  it("drops hop-by-hop headers, those Connection names, and the upstream's x-vigil-*", () => {
    const headers = new Headers({
      'content-type': 'application/json',
      connection: 'x-hop',
      'x-hop': '1',
      'x-vigil-verdict': 'safe',
      'transfer-encoding': 'chunked',
      'content-encoding': 'gzip',
      'x-ratelimit-remaining': '9',
    });
    expect(Object.fromEntries(clientResponseHeaders(headers))).toEqual({
      'content-type': 'application/json',
      'x-ratelimit-remaining': '9',
    });
  });
});
