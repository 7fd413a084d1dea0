import { VigilError, VigilInputError } from '../errors.js';

/** A body past `maxBodyBytes` (counted on the bytes received, or decoded): it is not judged. */
export class VigilBodyTooLargeError extends VigilInputError {
  readonly limit: number;
  readonly received: number | undefined;
  constructor(what: string, limit: number, received: number | undefined) {
    super(
      `${what} too large to moderate: expected at most ${limit} bytes, received ${received === undefined ? 'more' : received}`,
    );
    this.name = 'VigilBodyTooLargeError';
    this.limit = limit;
    this.received = received;
  }
  static override isInstance(error: unknown): error is VigilBodyTooLargeError {
    return VigilError.isInstance(error) && error.name === 'VigilBodyTooLargeError';
  }
}
