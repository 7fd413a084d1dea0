import type { JudgedRole, Verdict } from '@vigil/guard-core';
import type { RefusalBody } from './decision.js';
import type { ProtocolName } from './protocols/types.js';

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

const what = (role: JudgedRole) => (role === 'user' ? 'the request' : 'the response');

/**
 * The body that replaces unsafe traffic.
 * @example
 * blockedBody(verdict); // { error: { message: 'Blocked by content moderation: ...', code: 'content_filter', ... } }
 */
export function blockedBody(verdict: Verdict): BlockedBody {
  const categories = verdict.categories.map((category) => `${category.code} ${category.name}`).join(', ');
  return {
    error: {
      message: `Blocked by content moderation: ${what(verdict.role)} was judged unsafe${categories ? ` (${categories})` : ''}.`,
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
      message: `Content moderation is unavailable, so ${what(role)} was refused: ${reason}.`,
      type: 'server_error',
      code: 'moderation_unavailable',
      param: null,
      vigil: { role },
    },
  };
}

const codes = {
  'too-large': ['request_too_large', 'response_too_large'],
  unreadable: ['unreadable_request', 'unreadable_response'],
  'invalid-conversation': ['invalid_conversation', 'invalid_conversation'],
} as const;

/** The OpenAI-style body of a refusal (`decide()`'s `refusal.body`). */
function openaiBody(kind: RefusalBody, role: JudgedRole, reason: string, verdict: Verdict | undefined) {
  if (kind === 'blocked' && verdict) return blockedBody(verdict);
  if (kind === 'unavailable' || kind === 'blocked') return unavailableBody(role, reason);
  if (kind === 'client-closed')
    return { error: { message: 'client closed request', type: 'client_closed', code: null, param: null } };
  const code = codes[kind][role === 'user' ? 0 : 1];
  const request = role === 'user';
  return {
    error: {
      message: `${request ? 'The request' : 'The response'} cannot be moderated, so it was refused: ${reason}.`,
      type: request ? 'invalid_request_error' : 'server_error',
      code,
      param: null,
      vigil: { role },
    },
  };
}

/**
 * The refusal body in the protocol's own error shape: OpenAI's `{ error: { message, type, code } }`
 * for OpenAI APIs and text, Anthropic's `{ type: 'error', error: { type, message } }` for
 * Anthropic Messages. Both carry a `vigil` field with the role (and categories when blocked).
 * @example
 * refusalBody('blocked', 'anthropic-messages', { role: 'user', reason: '', verdict });
 * // { type: 'error', error: { type: 'invalid_request_error', message: 'Blocked by content moderation: ...' }, vigil: {...} }
 */
export function refusalBody(
  kind: RefusalBody,
  protocol: ProtocolName,
  detail: { role: JudgedRole; reason: string; verdict?: Verdict | undefined },
): unknown {
  const body = openaiBody(kind, detail.role, detail.reason, detail.verdict);
  if (protocol !== 'anthropic-messages') return body;
  const error = body.error as { message: string; type: string; vigil?: unknown };
  const type =
    kind === 'unavailable'
      ? 'overloaded_error'
      : kind === 'client-closed'
        ? 'invalid_request_error'
        : error.type === 'server_error'
          ? 'api_error'
          : 'invalid_request_error';
  return { type: 'error', error: { type, message: error.message }, vigil: error.vigil };
}
