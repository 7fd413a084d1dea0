import { isIP } from 'node:net';
import type { GuardOptions } from '@vigil/guard-core';
import { type GuardFlagValues, guardFlags, guardOptionsFromFlags } from '../../flags/guard-flags.js';
import { choiceFlag, type FlagValues, integerFlag } from '../../flags/parse-flags.js';
import { UsageError } from '../../context/usage-error.js';
import type { ModerationAppOptions } from '../../serve/create-moderation-app.js';

/** `vigil serve`'s own flags (the policy, model and engine flags are `guardFlags`). */
export const serveFlags = {
  ...guardFlags,
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string', multiple: true },
  'allow-unauthenticated': { type: 'boolean' },
  'max-body-bytes': { type: 'string' },
  'max-inputs': { type: 'string' },
  'max-input-chars': { type: 'string' },
  'request-timeout-ms': { type: 'string' },
  'max-pending': { type: 'string' },
  'shutdown-timeout-ms': { type: 'string' },
  'model-id': { type: 'string' },
  upstream: { type: 'string' },
  'forward-header': { type: 'string', multiple: true },
  mode: { type: 'string' },
  'stream-strategy': { type: 'string' },
  'fail-mode': { type: 'string' },
  'log-level': { type: 'string' },
  'log-content': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ServeFlagValues = FlagValues<typeof serveFlags>;

/** The environment variable of each flag (a flag given on the command line wins). */
export const serveEnv = {
  policy: 'VIGIL_POLICY',
  model: 'VIGIL_GUARD_MODEL',
  categories: 'VIGIL_CATEGORIES',
  exclude: 'VIGIL_EXCLUDE',
  threshold: 'VIGIL_THRESHOLD',
  'custom-category': 'VIGIL_CUSTOM_CATEGORIES',
  concurrency: 'VIGIL_CONCURRENCY',
  threads: 'VIGIL_THREADS',
  engine: 'VIGIL_ENGINE',
  'base-url': 'VIGIL_BASE_URL',
  'timeout-ms': 'VIGIL_REMOTE_TIMEOUT_MS',
  'max-retries': 'VIGIL_REMOTE_MAX_RETRIES',
  port: 'VIGIL_PORT',
  host: 'VIGIL_HOST',
  'api-key': 'VIGIL_API_KEYS',
  'allow-unauthenticated': 'VIGIL_ALLOW_UNAUTHENTICATED',
  'max-body-bytes': 'VIGIL_MAX_BODY_BYTES',
  'max-inputs': 'VIGIL_MAX_INPUTS',
  'max-input-chars': 'VIGIL_MAX_INPUT_CHARS',
  'request-timeout-ms': 'VIGIL_REQUEST_TIMEOUT_MS',
  'max-pending': 'VIGIL_MAX_PENDING',
  'shutdown-timeout-ms': 'VIGIL_SHUTDOWN_TIMEOUT_MS',
  'model-id': 'VIGIL_MODEL_ID',
  upstream: 'VIGIL_UPSTREAM',
  'forward-header': 'VIGIL_FORWARD_HEADERS',
  mode: 'VIGIL_MODE',
  'stream-strategy': 'VIGIL_STREAM_STRATEGY',
  'fail-mode': 'VIGIL_FAIL_MODE',
  'log-level': 'VIGIL_LOG_LEVEL',
  'log-content': 'VIGIL_LOG_CONTENT',
} as const satisfies Partial<Record<keyof typeof serveFlags, string>>;

function booleanEnv(name: string, value: string) {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new UsageError(`${name}: expected true or false, received '${value}'`);
}

/** Fills the flags not given from their environment variables. */
export function withEnv(values: ServeFlagValues, env: Record<string, string | undefined>): ServeFlagValues {
  const merged: Record<string, unknown> = { ...values };
  for (const [flag, name] of Object.entries(serveEnv)) {
    const value = env[name];
    if (merged[flag] !== undefined || value === undefined) continue;
    const spec = serveFlags[flag as keyof typeof serveFlags];
    if (spec.type === 'boolean') merged[flag] = booleanEnv(name, value);
    else if ('multiple' in spec) {
      // Custom categories hold commas in their descriptions: separated by `;` instead.
      const separator = flag === 'custom-category' ? ';' : ',';
      merged[flag] = value
        .split(separator)
        .map((item) => item.trim())
        .filter(Boolean);
    } else merged[flag] = value;
  }
  return merged as ServeFlagValues;
}

/** True for a host name that only this machine can reach. */
export function isLoopback(host: string) {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export interface ServeOptions {
  guard: GuardOptions & { concurrency: number };
  app: Omit<ModerationAppOptions, 'guard' | 'logger' | 'registry' | 'ready'>;
  port: number;
  host: string;
  shutdownTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

function upstreamFlag(value: string | undefined) {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {}
  throw new UsageError(`--upstream: expected an http(s) URL, received '${value}'`);
}

/** `--forward-header NAME` (repeatable, or comma-separated): header names, checked and lower-cased. */
function forwardHeaderFlag(values: string[] | undefined) {
  if (values === undefined) return undefined;
  const names = values.flatMap((value) => value.split(',')).map((name) => name.trim().toLowerCase());
  for (const name of names) {
    if (!/^[!#$%&'*+.^`|~\w-]+$/.test(name))
      throw new UsageError(`--forward-header: expected a header name, received '${name}'`);
  }
  return names;
}

/**
 * Reads `vigil serve`'s flags and environment, checks them and the policy before any model is
 * loaded. Refuses a non-loopback host without an API key unless `--allow-unauthenticated`.
 * @throws UsageError for a bad flag, variable or policy file.
 */
export async function serveOptionsFromFlags(
  given: ServeFlagValues,
  env: Record<string, string | undefined>,
): Promise<ServeOptions> {
  const values = withEnv(given, env);
  const host = values.host ?? '127.0.0.1';
  const apiKeys = (values['api-key'] ?? [])
    .flatMap((key) => key.split(','))
    .map((key) => key.trim())
    .filter(Boolean);
  if (values['api-key'] !== undefined && apiKeys.length === 0)
    throw new UsageError('--api-key: expected a key, received nothing');
  if (!isLoopback(host) && apiKeys.length === 0 && !values['allow-unauthenticated']) {
    throw new UsageError(
      `--host ${host}: expected --api-key KEY (or VIGIL_API_KEYS) on a host other machines can reach, received none; pass --allow-unauthenticated to serve without authentication`,
    );
  }
  const upstream = upstreamFlag(values.upstream);
  const proxyOnly = (['mode', 'stream-strategy', 'fail-mode', 'forward-header'] as const).find(
    (flag) => values[flag] !== undefined,
  );
  if (proxyOnly && !upstream)
    throw new UsageError(`--${proxyOnly}: expected --upstream URL (guard proxy mode), received none`);
  const guard = await guardOptionsFromFlags(values as GuardFlagValues, env);
  const failMode = choiceFlag('fail-mode', values['fail-mode'], ['open', 'closed'] as const);
  return {
    guard,
    port: integerFlag('port', values.port, 0, 65_535) ?? 8080,
    host,
    shutdownTimeoutMs: integerFlag('shutdown-timeout-ms', values['shutdown-timeout-ms'], 0) ?? 10_000,
    logLevel:
      choiceFlag('log-level', values['log-level'], [
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ] as const) ?? 'info',
    app: {
      modelId: values['model-id'],
      apiKeys,
      maxBodyBytes: integerFlag('max-body-bytes', values['max-body-bytes'], 1),
      maxInputs: integerFlag('max-inputs', values['max-inputs'], 1, 4096),
      maxInputChars: integerFlag('max-input-chars', values['max-input-chars'], 1),
      timeoutMs: integerFlag('request-timeout-ms', values['request-timeout-ms'], 1),
      maxPending: integerFlag('max-pending', values['max-pending'], 1),
      upstream,
      upstreamApiKey: env.VIGIL_UPSTREAM_API_KEY || undefined,
      forwardHeaders: forwardHeaderFlag(values['forward-header']),
      logContent: values['log-content'] ?? false,
      proxy: upstream
        ? {
            mode: choiceFlag('mode', values.mode, ['block', 'annotate', 'shadow'] as const),
            streamStrategy: choiceFlag('stream-strategy', values['stream-strategy'], [
              'buffer',
              'progressive',
            ] as const),
            failMode,
          }
        : undefined,
    },
  };
}
