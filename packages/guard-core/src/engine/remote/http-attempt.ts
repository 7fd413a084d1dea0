import type { z } from 'zod';
import { VigilAbortError } from '../../errors.js';
import { formatPath } from '../../validation.js';

/** Why one HTTP attempt against one replica failed. */
export type AttemptFailureKind = 'connection' | 'timeout' | 'http' | 'reply';

/** One failed attempt; the engine decides on retry and turns the last ones into a `VigilEngineError`. */
export class AttemptFailure extends Error {
  constructor(
    readonly replica: string,
    readonly kind: AttemptFailureKind,
    message: string,
    readonly status?: number | undefined,
    readonly retryAfterMs?: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(`replica ${replica}: ${message}`, options);
    this.name = 'AttemptFailure';
  }

  /** Worth another attempt: connection errors, timeouts, HTTP 408, 429 and 5xx. */
  get retryable() {
    if (this.kind === 'connection' || this.kind === 'timeout') return true;
    const status = this.status ?? 0;
    return this.kind === 'http' && (status >= 500 || status === 429 || status === 408);
  }

  /** Counts against the replica's health (a 429 is a busy replica, not a broken one). */
  get countsAsFailure() {
    return this.retryable && this.status !== 429;
  }
}

export interface HttpSettings {
  fetch: typeof fetch;
  apiKey?: string | undefined;
  timeoutMs: number;
}

const snippet = (text: string) => JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);

function retryAfter(response: Response) {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Sends one JSON request to one replica and validates the reply with `schema`. Throws
 * `AttemptFailure` naming the replica and the reason, or `VigilAbortError` when `signal` fired.
 */
export async function requestJson<S extends z.ZodType>(
  settings: HttpSettings,
  replica: string,
  path: string,
  body: unknown,
  schema: S,
  signal?: AbortSignal | undefined,
): Promise<z.output<S>> {
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const where = `${body === undefined ? 'GET' : 'POST'} ${path}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  let response: Response;
  let text: string;
  try {
    response = await settings.fetch(`${replica}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: combined,
    });
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
    if (timeout.aborted) {
      throw new AttemptFailure(
        replica,
        'timeout',
        `${where}: no reply within ${settings.timeoutMs} ms`,
        undefined,
        undefined,
        {
          cause: error,
        },
      );
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new AttemptFailure(
      replica,
      'connection',
      `${where}: connection failed (${reason})`,
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
  if (!response.ok) {
    throw new AttemptFailure(
      replica,
      'http',
      `${where}: expected HTTP 2xx, received ${response.status}${response.statusText ? ` ${response.statusText}` : ''}: ${snippet(text)}`,
      response.status,
      retryAfter(response),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AttemptFailure(
      replica,
      'reply',
      `${where}: expected a JSON body, received ${snippet(text)}`,
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = formatPath(['reply', ...(issue?.path ?? [])]);
    throw new AttemptFailure(replica, 'reply', `${where}: ${at}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
