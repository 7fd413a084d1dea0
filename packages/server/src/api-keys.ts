import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { ApiError } from './api-error.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether `token` is one of `keys`, in constant time per key: keys are compared as SHA-256
 * digests, so their lengths do not leak either, and every key is compared (which one matched
 * does not leak).
 * @example
 * const known = apiKeyMatcher(['k1', 'k2']);
 * known('k1'); // true
 */
export function apiKeyMatcher(keys: readonly string[]) {
  const digests = keys.map(digest);
  return (token: string) => {
    const given = digest(token);
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(key, given) || ok;
    return ok;
  };
}

/** The one answer to a missing, malformed or unknown key: OpenAI's 401, `WWW-Authenticate: Bearer`. */
const unauthorized = {
  wwwAuthenticateHeader: 'Bearer',
  message: () =>
    Response.json(
      new ApiError(401, 'authentication_error', 'Authorization: expected Bearer and a valid API key', {
        code: 'invalid_api_key',
      }).body,
      { status: 401 },
    ),
};

/**
 * `Authorization: Bearer KEY` for the routes it guards: `hono/bearer-auth` reads the header,
 * {@link apiKeyMatcher} compares the key, and every failure (no header, not a Bearer key, an
 * unknown key) is the same 401.
 * @example
 * app.use('/v1/*', apiKeyAuth(['k1', 'k2']));
 */
export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler {
  const known = apiKeyMatcher(keys);
  return bearerAuth({
    verifyToken: (token) => known(token),
    noAuthenticationHeader: unauthorized,
    invalidAuthenticationHeader: unauthorized,
    invalidToken: unauthorized,
  });
}
