import { createHash } from 'node:crypto';

/** SHA-256 of a string's UTF-8 bytes, base64url. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
