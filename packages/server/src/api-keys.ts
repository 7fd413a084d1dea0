import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Checks `Authorization: Bearer KEY` against the accepted keys in constant time per key (keys
 * are compared as SHA-256 digests, so their lengths do not leak either).
 * @example
 * const check = apiKeyChecker(['k1', 'k2']);
 * check('Bearer k1'); // true
 */
export function apiKeyChecker(keys: readonly string[]) {
  const digests = keys.map(digest);
  return (authorization: string | undefined) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!match?.[1]) return false;
    const given = digest(match[1]);
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(key, given) || ok;
    return ok;
  };
}
