import type { JudgedRole, Verdict } from '@vigil/guard-core';

/** The OpenAI-style error body of a blocked request or response. */
export interface BlockedBody {
  error: {
    message: string;
    type: 'invalid_request_error';
    code: 'content_filter';
    param: null;
    vigil: { role: JudgedRole; categories: string[]; unsafeProbability: number | null };
  };
}

/**
 * The body that replaces unsafe traffic.
 * @example
 * blockedBody(verdict); // { error: { message: 'Blocked by content moderation: ...', code: 'content_filter', ... } }
 */
export function blockedBody(verdict: Verdict): BlockedBody {
  const what = verdict.role === 'user' ? 'the request' : 'the response';
  const categories = verdict.categories.map((category) => `${category.code} ${category.name}`).join(', ');
  return {
    error: {
      message: `Blocked by content moderation: ${what} was judged unsafe${categories ? ` (${categories})` : ''}.`,
      type: 'invalid_request_error',
      code: 'content_filter',
      param: null,
      vigil: {
        role: verdict.role,
        categories: verdict.categories.map((category) => category.code),
        unsafeProbability: verdict.unsafeProbability,
      },
    },
  };
}

/** The body of a refused exchange when the check itself failed (fail-closed). */
export function unavailableBody(role: JudgedRole, reason: string) {
  return {
    error: {
      message: `Content moderation is unavailable, so ${role === 'user' ? 'the request' : 'the response'} was refused: ${reason}.`,
      type: 'server_error',
      code: 'moderation_unavailable',
      param: null,
      vigil: { role },
    },
  };
}

/** The body of a request the guard cannot judge: too large, or a conversation that does not parse. */
export function unprocessableBody(code: 'request_too_large' | 'invalid_conversation', message: string) {
  return { error: { message, type: 'invalid_request_error', code, param: null } };
}
