import { isIP } from 'node:net';
import type { GuardOptions } from '@vigil/guard-core';
import { failModeSchema, modeSchema } from '@vigil/guard-core/internal';
import type { ModerationAppOptions } from '@vigil/server';
import { UsageError } from '../../context/usage-error.js';
import { coerceFlags, defineFlags, type FlagValues, type RawFlagValues } from '../../flags/flag-table.js';
import { guardFlags, guardOptionsFromFlags } from '../../flags/guard-flags.js';
import { helpFlag } from '../../flags/help-flag.js';
import { modelNameRule } from '../../output/model-name.js';

/** `vigil serve`'s flags, each with its environment variable: its own, then the policy, model and engine flags. */
export const serveFlags = defineFlags({
  port: {
    type: 'string',
    integer: { min: 0, max: 65_535 },
    default: 8080,
    value: 'N',
    env: 'VIGIL_PORT',
    section: 'server',
    help: 'port to listen on',
  },
  host: {
    type: 'string',
    default: '127.0.0.1',
    value: 'HOST',
    env: 'VIGIL_HOST',
    section: 'server',
    help: 'address to listen on',
  },
  'api-key': {
    type: 'string',
    multiple: true,
    value: 'KEY',
    env: 'VIGIL_API_KEYS',
    section: 'server',
    help: 'accepted "Authorization: Bearer KEY" for /v1/* (repeatable) [{env}, comma-separated]; without one, no authentication',
  },
  'allow-unauthenticated': {
    type: 'boolean',
    env: 'VIGIL_ALLOW_UNAUTHENTICATED',
    section: 'server',
    help: 'serve a non-loopback --host without an API key (refused otherwise) [{env}=1]',
  },
  'shutdown-timeout-ms': {
    type: 'string',
    integer: { min: 0 },
    default: 10_000,
    value: 'N',
    env: 'VIGIL_SHUTDOWN_TIMEOUT_MS',
    section: 'server',
    help: 'on SIGTERM/SIGINT, how long in-flight requests may take before connections are cut',
  },
  'model-id': {
    type: 'string',
    value: 'NAME',
    env: 'VIGIL_MODEL_ID',
    section: 'server',
    help: `the "model" of responses when a request names none [{env}];\ndefault: the model's name, ${modelNameRule}; logs name the model the same way`,
  },
  'max-body-bytes': {
    type: 'string',
    integer: { min: 1 },
    value: 'N',
    env: 'VIGIL_MAX_BODY_BYTES',
    defaultText: '1048576',
    section: 'limits',
    help: 'larger bodies get 413',
  },
  'max-inputs': {
    type: 'string',
    integer: { min: 1, max: 4096 },
    value: 'N',
    env: 'VIGIL_MAX_INPUTS',
    defaultText: '32',
    section: 'limits',
    help: 'inputs per moderation request, conversations per classify batch',
  },
  'max-input-chars': {
    type: 'string',
    integer: { min: 1 },
    value: 'N',
    env: 'VIGIL_MAX_INPUT_CHARS',
    defaultText: '32768',
    section: 'limits',
    help: 'characters of text per input',
  },
  'request-timeout-ms': {
    type: 'string',
    integer: { min: 1 },
    value: 'N',
    env: 'VIGIL_REQUEST_TIMEOUT_MS',
    defaultText: '30000',
    section: 'limits',
    help: "time a request's classifications may take, then 503 (with Retry-After)",
  },
  'max-pending': {
    type: 'string',
    integer: { min: 1 },
    value: 'N',
    env: 'VIGIL_MAX_PENDING',
    defaultText: '256',
    section: 'limits',
    help: 'classifications admitted at once, running or waiting; past it 429 with Retry-After ({default}; a proxy call counts as one until its answer is delivered)',
  },
  upstream: {
    type: 'string',
    value: 'URL',
    env: 'VIGIL_UPSTREAM',
    section: 'proxy',
    help: "forward the generation routes to this server [{env}]\nUpstream key: VIGIL_UPSTREAM_API_KEY (else the client's Authorization is forwarded only when no --api-key is set)\nHeaders sent upstream: an allow-list (content negotiation, authorization, x-api-key, api-key, anthropic-*, openai-*, x-stainless-*, tracing), never one holding an --api-key, never hop-by-hop, Proxy-* or x-vigil-*; X-Forwarded-For gets the peer appended. Upgrade: 400; Expect other than 100-continue: 417",
  },
  'forward-header': {
    type: 'string',
    multiple: true,
    value: 'NAME',
    env: 'VIGIL_FORWARD_HEADERS',
    section: 'proxy',
    help: 'also forward this request header (repeatable)',
  },
  mode: {
    type: 'string',
    choices: modeSchema.options,
    value: 'MODE',
    env: 'VIGIL_MODE',
    section: 'proxy',
    help: 'block (default), annotate or shadow',
  },
  'stream-strategy': {
    type: 'string',
    choices: ['buffer', 'progressive'],
    value: 'S',
    env: 'VIGIL_STREAM_STRATEGY',
    section: 'proxy',
    help: 'buffer (default) or progressive',
  },
  'fail-mode': {
    type: 'string',
    choices: failModeSchema.options,
    value: 'MODE',
    env: 'VIGIL_FAIL_MODE',
    section: 'proxy',
    help: 'closed (default: 503 when the guard fails) or open',
  },
  'log-level': {
    type: 'string',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    value: 'LEVEL',
    env: 'VIGIL_LOG_LEVEL',
    section: 'logs',
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  'log-content': {
    type: 'boolean',
    env: 'VIGIL_LOG_CONTENT',
    section: 'logs',
    help: 'include the moderated text in request logs (it is sensitive) [{env}=1]',
  },
  help: helpFlag('logs'),
  ...guardFlags,
});

export type ServeFlagValues = FlagValues<typeof serveFlags>;

function booleanEnv(name: string, value: string) {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new UsageError(`${name}: expected true or false, received '${value}'`);
}

/** Fills the flags not given from their environment variables (each flag's `env` in {@link serveFlags}). */
export function withEnv(values: RawFlagValues, env: Record<string, string | undefined>): RawFlagValues {
  const merged: RawFlagValues = { ...values };
  for (const [flag, definition] of Object.entries(serveFlags)) {
    const name = 'env' in definition ? definition.env : undefined;
    const value = name === undefined ? undefined : env[name];
    if (name === undefined || merged[flag] !== undefined || value === undefined) continue;
    if (definition.type === 'boolean') merged[flag] = booleanEnv(name, value);
    else if ('multiple' in definition) {
      // Custom categories hold commas in their descriptions: separated by `;` instead.
      const separator = flag === 'custom-category' ? ';' : ',';
      merged[flag] = value
        .split(separator)
        .map((item) => item.trim())
        .filter(Boolean);
    } else merged[flag] = value;
  }
  return merged;
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
  logLevel: ServeFlagValues['log-level'];
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
  given: RawFlagValues,
  env: Record<string, string | undefined>,
): Promise<ServeOptions> {
  const values = coerceFlags(serveFlags, withEnv(given, env));
  const { host } = values;
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
  const guard = await guardOptionsFromFlags(values, env);
  return {
    guard,
    port: values.port,
    host,
    shutdownTimeoutMs: values['shutdown-timeout-ms'],
    logLevel: values['log-level'],
    app: {
      modelId: values['model-id'],
      apiKeys,
      maxBodyBytes: values['max-body-bytes'],
      maxInputs: values['max-inputs'],
      maxInputChars: values['max-input-chars'],
      timeoutMs: values['request-timeout-ms'],
      maxPending: values['max-pending'],
      upstream,
      upstreamApiKey: env.VIGIL_UPSTREAM_API_KEY || undefined,
      forwardHeaders: forwardHeaderFlag(values['forward-header']),
      logContent: values['log-content'] ?? false,
      proxy: upstream
        ? { mode: values.mode, streamStrategy: values['stream-strategy'], failMode: values['fail-mode'] }
        : undefined,
    },
  };
}
