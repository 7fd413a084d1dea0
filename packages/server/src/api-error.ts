import { VigilError } from '@vigil/guard-core';
import { formatPath } from '@vigil/guard-core/internal';
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
  readonly status: 400 | 401 | 404 | 413 | 417 | 429 | 500 | 502 | 503 | 504;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: ApiError['status'],
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
 * The HTTP form of a guard failure: bad input is 400, a full queue 429, anything else 503 (the
 * service fails closed: it never answers "not flagged" when it could not judge).
 */
export function apiErrorOf(error: unknown, param: string | null = null): ApiError {
  if (error instanceof ApiError) return error;
  if (VigilError.isInstance(error)) {
    switch (error.code) {
      case 'input':
        return new ApiError(400, 'invalid_request_error', error.message, { param, code: 'invalid_value' });
      case 'config':
        // At request time, only a call's `categories` can be bad configuration.
        return new ApiError(400, 'invalid_request_error', error.message, {
          param: 'categories',
          code: 'invalid_value',
        });
      case 'queue_full':
        return new ApiError(429, 'rate_limit_error', `the guard is busy: ${error.message}`, {
          code: 'queue_full',
          retryAfterSeconds: 1,
        });
      case 'aborted':
        return new ApiError(504, 'server_error', 'the classification timed out or was cancelled', {
          code: 'timeout',
        });
      default:
        return new ApiError(
          503,
          'service_unavailable',
          `the guard could not judge the input: ${error.message}`,
          {
            code: 'guard_unavailable',
            retryAfterSeconds: 1,
            cause: error,
          },
        );
    }
  }
  return new ApiError(503, 'service_unavailable', 'the guard could not judge the input: unexpected failure', {
    code: 'guard_unavailable',
    retryAfterSeconds: 1,
    cause: error,
  });
}
