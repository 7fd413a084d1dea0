import type { RemoteEngineConfig } from '@vigil/guard-core';
import { describe, expect, it } from 'vitest';
import { type EngineFlagValues, engineFlags, remoteEngineFromFlags } from './engine-flags.js';
import { coerceFlags } from './flag-table.js';

const env = { VIGIL_REMOTE_API_KEY: 'sk-env' };
const fileEngine: RemoteEngineConfig = {
  type: 'remote',
  baseURL: 'http://file:8000/v1',
  model: 'file-model',
  timeoutMs: 5000,
  maxInFlight: 4,
  apiKey: 'sk-file',
};

function message(values: EngineFlagValues, fromFile?: RemoteEngineConfig) {
  try {
    remoteEngineFromFlags(values, fromFile, env);
    return 'no error';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('remoteEngineFromFlags', () => {
  it('is local by default and with --engine local, even over a policy file engine', () => {
    expect(remoteEngineFromFlags({}, undefined, env)).toBeUndefined();
    expect(remoteEngineFromFlags({ engine: 'local', threads: '2' }, fileEngine, env)).toBeUndefined();
  });

  it('builds the remote engine from the flags; --base-url implies it and splits on commas', () => {
    expect(
      remoteEngineFromFlags(
        { 'base-url': ['http://a:8000/v1, http://b:8000/v1', 'http://c:8000'], model: 'llama-guard' },
        undefined,
        env,
      ),
    ).toEqual({
      type: 'remote',
      baseURL: ['http://a:8000/v1', 'http://b:8000/v1', 'http://c:8000'],
      model: 'llama-guard',
      apiKey: 'sk-env',
    });
    expect(
      remoteEngineFromFlags(
        {
          engine: 'remote',
          'base-url': ['http://a:8000'],
          model: 'm',
          'timeout-ms': '900',
          'max-retries': '0',
        },
        undefined,
        {},
      ),
    ).toEqual({ type: 'remote', baseURL: 'http://a:8000', model: 'm', timeoutMs: 900, maxRetries: 0 });
  });

  it('takes the policy file engine, flags winning, its API key kept', () => {
    expect(remoteEngineFromFlags({}, fileEngine, env)).toEqual(fileEngine);
    expect(
      remoteEngineFromFlags(
        { 'base-url': ['http://flag:8000'], model: 'flag-model', 'timeout-ms': '100' },
        fileEngine,
        env,
      ),
    ).toEqual({ ...fileEngine, baseURL: 'http://flag:8000', model: 'flag-model', timeoutMs: 100 });
  });

  it('refuses flags that do not fit the engine, with the flag at fault', () => {
    expect(() => coerceFlags(engineFlags, { engine: 'gpu' })).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --engine: expected one of local, remote, received 'gpu']`,
    );
    expect(message({ engine: 'local', 'base-url': ['http://a:8000'] })).toMatchInlineSnapshot(
      `"--base-url: expected --engine remote, received --engine local"`,
    );
    expect(message({ 'timeout-ms': '500' })).toMatchInlineSnapshot(
      `"--timeout-ms: expected a remote engine (--engine remote --base-url URL), received the local engine"`,
    );
    expect(message({ engine: 'remote', model: 'm' })).toMatchInlineSnapshot(
      `"--engine remote: expected --base-url URL (or an engine block in the --policy file), received neither"`,
    );
    expect(message({ 'base-url': ['http://a:8000'] })).toMatchInlineSnapshot(
      `"--base-url: expected --model NAME, the model name the server serves (vLLM's --served-model-name), received none"`,
    );
    expect(message({ 'base-url': ['http://a:8000'], model: 'm', threads: '4' })).toMatchInlineSnapshot(
      `"--threads: expected the local engine (a server sets its own threads), received a remote engine (--base-url)"`,
    );
    expect(message({ threads: '4' }, fileEngine)).toMatchInlineSnapshot(
      `"--threads: expected the local engine (a server sets its own threads), received a remote engine (the --policy engine block)"`,
    );
    expect(message({ 'base-url': ['gpu-1:8000'], model: 'm' })).toMatchInlineSnapshot(
      `"--base-url: expected an http(s) URL, received 'gpu-1:8000'"`,
    );
    expect(message({ 'base-url': [','], model: 'm' })).toMatchInlineSnapshot(
      `"--base-url: expected an http(s) URL, received nothing"`,
    );
    expect(message({ 'base-url': ['http://a'], model: 'm', 'max-retries': '11' })).toMatchInlineSnapshot(
      `"--max-retries: too big: expected number to be <=10, received '11'"`,
    );
  });
});
