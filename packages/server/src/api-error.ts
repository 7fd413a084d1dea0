import { VigilConfigError, VigilEngineError, VigilError } from '@vigil/guard-core';
import { formatPath, httpStatus, refusalForError, statusForError } from '@vigil/guard-core/internal';
import type { z } from 'zod';

/** OpenAI's error `type`s the service uses. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'rate_limit_error'
  | 'service_unavailable'
  | 'server_error';

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

/** A failed request: its HTTP status and OpenAI-shaped body (and `Retry-After` for 429 and 503). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    type: ApiErrorType,
    message: string,
    options: {
      param?: string | null;
      code?: string | null;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 for a body that failed its schema: the message and `param` name the first bad field. */
export function invalidBody(error: z.ZodError, where = 'request body'): ApiError {
  const issue = error.issues[0];
  let path = issue?.path ?? [];
  let message = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0] ?? ''];
    message = 'unknown field';
  }
  return new ApiError(400, 'invalid_request_error', `${formatPath([where, ...path])}: ${message}`, {
    param: path.length ? formatPath(path) : null,
    code: message === 'unknown field' ? 'unknown_parameter' : 'invalid_value',
  });
}

/**
 * The HTTP form of a guard failure. What it refuses as, and so its status, is guard-core's one
 * table (`refusalForError`, `httpStatus`): bad input is 400, a full queue 429, a client that
 * went away 499, anything else 503 (the service fails closed: it never answers "not flagged"
 * when it could not judge). This picks only the OpenAI error `type` and `code` of each.
 */
export function apiErrorOf(error: unknown, param: string | null = null): ApiError {
  if (error instanceof ApiError) return error;
  const message = VigilError.isInstance(error) ? error.message : 'unexpected failure';
  const refusal = refusalForError(error);
  const status = httpStatus(refusal, 'request');
  switch (refusal) {
    case 'invalid-conversation':
    case 'too-large':
    case 'blocked':
      // At request time, only a call's `categories` can be bad configuration.
      return new ApiError(status, 'invalid_request_error', message, {
        param: VigilConfigError.isInstance(error) ? 'categories' : param,
        code: 'invalid_value',
      });
    case 'busy':
      return new ApiError(status, 'rate_limit_error', `the guard is busy: ${message}`, {
        code: 'queue_full',
        retryAfterSeconds: 1,
      });
    case 'client-closed':
      return new ApiError(status, 'invalid_request_error', 'the client closed the request', {
        code: 'client_closed',
      });
    default:
      return new ApiError(status, 'service_unavailable', `the guard could not judge the input: ${message}`, {
        code: 'guard_unavailable',
        retryAfterSeconds: 1,
        cause: error,
      });
  }
}

/**
 * The failure of a request whose classifications passed `timeoutMs`: the guard could not judge
 * in time, which the one table answers like any guard failure (503, `Retry-After`).
 */
export function timedOut(timeoutMs: number, cause: unknown): ApiError {
  const failure = new VigilEngineError(`the classification timed out after ${timeoutMs} ms`, { cause });
  return new ApiError(statusForError(failure, 'request'), 'service_unavailable', failure.message, {
    code: 'timeout',
    retryAfterSeconds: 1,
    cause: failure,
  });
}
