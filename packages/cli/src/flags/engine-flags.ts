import type { RemoteEngineConfig } from '@vigil/guard-core';
import { remoteEngineFileSchema } from '@vigil/guard-core/internal';
import { UsageError } from '../context/usage-error.js';
import { numberFlag, parseFlagValues } from './flag-schema.js';
import { defineFlags, type FlagValues } from './flag-table.js';

/** The engine flags `classify`, `audit`, `eval` and `serve` share (`--model` and `--threads` are in `guardFlags`). */
export const engineFlags = defineFlags({
  engine: {
    type: 'string',
    choices: ['local', 'remote'],
    value: 'local|remote',
    env: 'VIGIL_ENGINE',
    section: 'engine',
    help: 'local: the model in this process (default); remote: an OpenAI-compatible server (vLLM, llama-server, SGLang). Remote when --base-url is given or the --policy file has an engine block',
  },
  'base-url': {
    type: 'string',
    multiple: true,
    value: 'URL',
    env: 'VIGIL_BASE_URL',
    section: 'engine',
    help: 'the server, e.g. http://gpu-1:8000/v1 (repeatable or comma-separated: replicas of one model); implies --engine remote',
  },
  'timeout-ms': {
    type: 'string',
    value: 'N',
    env: 'VIGIL_REMOTE_TIMEOUT_MS',
    defaultText: '30000',
    section: 'engine',
    help: 'remote: milliseconds one HTTP attempt may take',
  },
  'max-retries': {
    type: 'string',
    value: 'N',
    env: 'VIGIL_REMOTE_MAX_RETRIES',
    defaultText: '2',
    section: 'engine',
    help: 'remote: extra attempts after a connection error, timeout, 429 or 5xx',
  },
});

/** The engine flags' values, and the two of `guardFlags` the engine checks. */
export type EngineFlagValues = Partial<FlagValues<typeof engineFlags>> & {
  model?: string | undefined;
  threads?: string | undefined;
};

function isHttpURL(value: string) {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Splits repeated, comma-separated `--base-url` values: one URL as a string, several as a list. */
function baseURLFlag(values: string[] | undefined) {
  if (values === undefined) return undefined;
  const urls = values
    .flatMap((value) => value.split(','))
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of urls) {
    if (!isHttpURL(url)) throw new UsageError(`--base-url: expected an http(s) URL, received '${url}'`);
  }
  if (urls.length === 0) throw new UsageError('--base-url: expected an http(s) URL, received nothing');
  return urls.length === 1 ? (urls[0] as string) : urls;
}

/**
 * Picks the engine from the flags and a policy file's `engine` block (flags win): `undefined`
 * for the local model, else `createGuard`'s remote `engine` option. Remote when `--engine remote`,
 * `--base-url` or the file says so (`--engine local` overrides the file). The API key comes
 * from the file's block (its `apiKeyEnv`), else `VIGIL_REMOTE_API_KEY` in `env`; never a flag.
 * @throws UsageError for a bad value or a flag that does not fit the engine.
 */
export function remoteEngineFromFlags(
  values: EngineFlagValues,
  fromFile: RemoteEngineConfig | undefined,
  env: Record<string, string | undefined>,
): RemoteEngineConfig | undefined {
  const chosen = values.engine;
  const baseURL = baseURLFlag(values['base-url']);
  const { timeoutMs, maxRetries } = parseFlagValues(
    remoteEngineFileSchema.pick({ timeoutMs: true, maxRetries: true }),
    {
      timeoutMs: ['timeout-ms', values['timeout-ms'], numberFlag(values['timeout-ms'])],
      maxRetries: ['max-retries', values['max-retries'], numberFlag(values['max-retries'])],
    },
  );
  const remoteOnly = [
    baseURL !== undefined && '--base-url',
    timeoutMs !== undefined && '--timeout-ms',
    maxRetries !== undefined && '--max-retries',
  ].find(Boolean);
  if (chosen === 'local' && remoteOnly) {
    throw new UsageError(`${remoteOnly}: expected --engine remote, received --engine local`);
  }
  if (chosen === 'local' || (chosen === undefined && baseURL === undefined && fromFile === undefined)) {
    if (remoteOnly) {
      throw new UsageError(
        `${remoteOnly}: expected a remote engine (--engine remote --base-url URL), received the local engine`,
      );
    }
    return undefined;
  }
  const why =
    chosen === 'remote'
      ? '--engine remote'
      : baseURL !== undefined
        ? '--base-url'
        : 'the --policy engine block';
  if (values.threads !== undefined) {
    throw new UsageError(
      `--threads: expected the local engine (a server sets its own threads), received a remote engine (${why})`,
    );
  }
  const urls = baseURL ?? fromFile?.baseURL;
  if (urls === undefined) {
    throw new UsageError(
      `${why}: expected --base-url URL (or an engine block in the --policy file), received neither`,
    );
  }
  const model = values.model ?? fromFile?.model;
  if (!model) {
    throw new UsageError(
      `${why}: expected --model NAME, the model name the server serves (vLLM's --served-model-name), received none`,
    );
  }
  return {
    ...fromFile,
    type: 'remote',
    baseURL: urls,
    model,
    timeoutMs: timeoutMs ?? fromFile?.timeoutMs,
    maxRetries: maxRetries ?? fromFile?.maxRetries,
    apiKey: fromFile ? fromFile.apiKey : env.VIGIL_REMOTE_API_KEY || undefined,
  };
}
