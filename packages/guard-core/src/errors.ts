/**
 * The error family. Every failure Vigil throws is a `VigilError` with a typed `code`; outcomes
 * (a verdict, safe or unsafe) are never errors. Use `VigilError.isInstance(error)` rather than
 * `instanceof`: it works across duplicate installs of the package.
 */
import type { JudgedRole } from './conversation/types.js';
import type { Verdict } from './verdict/types.js';

const marker = Symbol.for('vigil.error');

export type VigilErrorCode =
  | 'config'
  | 'input'
  | 'model'
  | 'model_output'
  | 'engine'
  | 'disposed'
  | 'queue_full'
  | 'aborted'
  | 'content_filter';

export class VigilError extends Error {
  readonly [marker] = true;
  readonly code: VigilErrorCode;

  constructor(code: VigilErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'VigilError';
  }

  static isInstance(error: unknown): error is VigilError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

function subclass<C extends VigilErrorCode>(code: C, name: string) {
  const Subclass = class extends VigilError {
    declare readonly code: C;
    constructor(message: string, options?: { cause?: unknown }) {
      super(code, message, options);
      this.name = name;
    }
    static override isInstance(error: unknown): error is VigilError & { code: C } {
      return VigilError.isInstance(error) && error.code === code;
    }
  };
  Object.defineProperty(Subclass, 'name', { value: name });
  return Subclass;
}

/**
 * A failure in words, fit for an error body, a log line or `onDecision`'s `reason`: an error's
 * message, anything else thrown as a string.
 * @example
 * failureReason(new VigilEngineError('guard check: timed out')); // 'guard check: timed out'
 */
export function failureReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Invalid options: a factory's or a call's, or a policy file. */
export class VigilConfigError extends subclass('config', 'VigilConfigError') {}

/** The conversation or text given to classify cannot be judged; the message says where. */
export class VigilInputError extends subclass('input', 'VigilInputError') {}

/** The model cannot be found, downloaded, or loaded. */
export class VigilModelError extends subclass('model', 'VigilModelError') {}

/** An engine failed while scoring: a remote server, a timeout, a native error. */
export class VigilEngineError extends subclass('engine', 'VigilEngineError') {}

/** The guard (or engine) was used after `dispose()`. */
export class VigilDisposedError extends subclass('disposed', 'VigilDisposedError') {}

/** Too many calls are waiting for the model; retry later or raise `maxQueue`. */
export class VigilQueueFullError extends subclass('queue_full', 'VigilQueueFullError') {}

/** A call was aborted through its `AbortSignal`. */
export class VigilAbortError extends subclass('aborted', 'VigilAbortError') {}

/** The model answered something that is neither `safe` nor `unsafe`; `raw` holds its text. */
export class VigilModelOutputError extends VigilError {
  declare readonly code: 'model_output';
  readonly raw: string;
  constructor(message: string, raw: string, options?: { cause?: unknown }) {
    super('model_output', message, options);
    this.name = 'VigilModelOutputError';
    this.raw = raw;
  }
  static override isInstance(error: unknown): error is VigilModelOutputError {
    return VigilError.isInstance(error) && error.code === 'model_output';
  }
}

/**
 * Content moderation refused traffic: judged unsafe (`verdict` says why), or left unchecked
 * because the check failed under fail-closed (`verdict` is undefined, `cause` is the failure).
 */
export class VigilContentFilterError extends VigilError {
  declare readonly code: 'content_filter';
  /** `user` for the request (prompt) side, `assistant` for the answer. */
  readonly role: JudgedRole;
  readonly verdict: Verdict | undefined;
  constructor(message: string, details: { role: JudgedRole; verdict: Verdict | undefined; cause?: unknown }) {
    super('content_filter', message, { cause: details.cause });
    this.name = 'VigilContentFilterError';
    this.role = details.role;
    this.verdict = details.verdict;
  }
  static override isInstance(error: unknown): error is VigilContentFilterError {
    return VigilError.isInstance(error) && error.code === 'content_filter';
  }
}
