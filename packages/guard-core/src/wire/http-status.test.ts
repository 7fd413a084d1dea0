import { describe, expect, it } from 'vitest';
import {
  VigilAbortError,
  VigilConfigError,
  VigilContentFilterError,
  VigilEngineError,
  VigilInputError,
  VigilModelError,
  VigilQueueFullError,
} from '../errors.js';
import { VigilBodyTooLargeError } from './body-too-large-error.js';
import { httpStatus, refusalForError, statusForError } from './http-status.js';

describe('statusForError', () => {
  it('maps every failure kind, by side', () => {
    const errors = {
      aborted: new VigilAbortError('aborted'),
      deadline: new VigilAbortError('aborted', { cause: new DOMException('timed out', 'TimeoutError') }),
      tooLarge: new VigilBodyTooLargeError('request body', 10, 11),
      input: new VigilInputError('bad'),
      config: new VigilConfigError('bad option'),
      contentFilter: new VigilContentFilterError('blocked', { role: 'user' }),
      queueFull: new VigilQueueFullError('full'),
      engine: new VigilEngineError('timed out'),
      model: new VigilModelError('gone'),
      other: new Error('bug'),
    };
    const table = Object.entries(errors).map(
      ([name, error]) => `${name} ${statusForError(error, 'request')} ${statusForError(error, 'response')}`,
    );
    expect(table).toMatchInlineSnapshot(`
      [
        "aborted 499 499",
        "deadline 503 503",
        "tooLarge 413 502",
        "input 400 502",
        "config 400 502",
        "contentFilter 400 400",
        "queueFull 429 429",
        "engine 503 503",
        "model 503 503",
        "other 503 503",
      ]
    `);
  });

  it('is the status of the refusal the failure maps to', () => {
    const error = new VigilQueueFullError('full');
    expect(refusalForError(error)).toBe('busy');
    expect(statusForError(error, 'request')).toBe(httpStatus('busy', 'request'));
  });
});
