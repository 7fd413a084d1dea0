import { describe, expect, it } from 'vitest';
import { isLoopback, serveOptionsFromFlags } from './serve-options.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: Error) => error.message,
  );

describe('serveOptionsFromFlags', () => {
  it('reads every option from a flag or its environment variable; flags win', async () => {
    const options = await serveOptionsFromFlags(
      { port: '9000' },
      {
        VIGIL_PORT: '1234',
        VIGIL_HOST: '0.0.0.0',
        VIGIL_API_KEYS: 'a, b',
        VIGIL_MAX_INPUTS: '4',
        VIGIL_LOG_CONTENT: 'true',
        VIGIL_EXCLUDE: 'S6,S7',
        VIGIL_UPSTREAM: 'http://127.0.0.1:8000',
        VIGIL_MODE: 'annotate',
        VIGIL_UPSTREAM_API_KEY: 'up',
        VIGIL_FORWARD_HEADERS: 'Helicone-Auth, x-portkey-config',
      },
    );
    expect(options).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      guard: { excludeCategories: ['S6', 'S7'] },
      app: {
        apiKeys: ['a', 'b'],
        maxInputs: 4,
        logContent: true,
        upstream: 'http://127.0.0.1:8000',
        upstreamApiKey: 'up',
        forwardHeaders: ['helicone-auth', 'x-portkey-config'],
        proxy: { mode: 'annotate' },
      },
    });
  });

  it('refuses a reachable host without a key unless --allow-unauthenticated', async () => {
    expect(await failure(serveOptionsFromFlags({ host: '0.0.0.0' }, {}))).toMatchInlineSnapshot(
      `"--host 0.0.0.0: expected --api-key KEY (or VIGIL_API_KEYS) on a host other machines can reach, received none; pass --allow-unauthenticated to serve without authentication"`,
    );
    const open = await serveOptionsFromFlags({ host: '0.0.0.0' }, { VIGIL_ALLOW_UNAUTHENTICATED: '1' });
    expect(open.app.apiKeys).toEqual([]);
    expect((await serveOptionsFromFlags({ host: '::1' }, {})).host).toBe('::1');
  });

  it('names the flag or variable at fault', async () => {
    expect(await failure(serveOptionsFromFlags({ port: '70000' }, {}))).toMatchInlineSnapshot(
      `"--port: expected an integer from 0 to 65535, received '70000'"`,
    );
    expect(await failure(serveOptionsFromFlags({}, { VIGIL_LOG_CONTENT: 'maybe' }))).toMatchInlineSnapshot(
      `"VIGIL_LOG_CONTENT: expected true or false, received 'maybe'"`,
    );
    expect(await failure(serveOptionsFromFlags({ mode: 'block' }, {}))).toMatchInlineSnapshot(
      `"--mode: expected --upstream URL (guard proxy mode), received none"`,
    );
    expect(await failure(serveOptionsFromFlags({ upstream: 'ftp://x' }, {}))).toMatchInlineSnapshot(
      `"--upstream: expected an http(s) URL, received 'ftp://x'"`,
    );
  });
});

describe('isLoopback', () => {
  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com', '127.0.0.1.nip.io'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('--forward-header', () => {
  it('refuses a --forward-header that is not a header name, or without --upstream', async () => {
    expect(
      await failure(
        serveOptionsFromFlags({ upstream: 'http://127.0.0.1:1', 'forward-header': ['bad name'] }, {}),
      ),
    ).toBe("--forward-header: expected a header name, received 'bad name'");
    expect(await failure(serveOptionsFromFlags({ 'forward-header': ['x-a'] }, {}))).toBe(
      '--forward-header: expected --upstream URL (guard proxy mode), received none',
    );
  });
});
