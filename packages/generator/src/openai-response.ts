import { type Verdict, VigilError } from '@vigil/guard-core';
import { failureReason, statusForError } from '@vigil/guard-core/internal';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ChatResult } from './types.js';

/** The OpenAI error `type` and `code` of a failure. */
function errorKind(error: unknown): [type: string, code: string | null] {
  if (!VigilError.isInstance(error)) return ['server_error', null];
  switch (error.code) {
    case 'config':
    case 'input':
      return ['invalid_request_error', error.code];
    case 'content_filter':
      return ['invalid_request_error', 'content_filter'];
    case 'queue_full':
      return ['rate_limit_error', 'queue_full'];
    case 'aborted':
      return ['aborted', 'aborted'];
    case 'disposed':
    case 'model':
    case 'model_output':
    case 'engine':
      return ['server_error', error.code];
    default:
      return error.code satisfies never;
  }
}

/**
 * An OpenAI-style error body and its HTTP status, from guard-core's one status table
 * (`statusForError()`: 400 for bad input, 429 for a full queue, 499 for a client that went away,
 * 503 for a failure).
 */
export function errorResponse(error: unknown): { status: ContentfulStatusCode; body: unknown } {
  const message = failureReason(error);
  const [type, code] = errorKind(error);
  return {
    status: statusForError(error, 'request') as ContentfulStatusCode,
    body: { error: { message, type, param: null, code } },
  };
}

/** A verdict as the `vigil` extension field shows it. */
export function verdictJson(verdict: Verdict | undefined) {
  if (!verdict) return null;
  return {
    safe: verdict.safe,
    categories: verdict.categories.map((category) => category.code),
    unsafe_probability: verdict.unsafeProbability,
  };
}

export function usageJson(result: ChatResult) {
  return {
    prompt_tokens: result.usage.promptTokens,
    completion_tokens: result.usage.completionTokens,
    total_tokens: result.usage.totalTokens,
    // An extension field, only when the generator drafts (the `draft` option).
    ...(result.usage.draft
      ? {
          vigil_draft: {
            drafted_tokens: result.usage.draft.drafted,
            accepted_tokens: result.usage.draft.accepted,
            refuted_tokens: result.usage.draft.refuted,
          },
        }
      : {}),
  };
}

export function vigilJson(result: ChatResult) {
  return {
    refused: result.refused ?? null,
    input: verdictJson(result.verdicts.input),
    output: verdictJson(result.verdicts.output),
    moderation: {
      checks: result.usage.moderation.checks,
      evaluated_tokens: result.usage.moderation.evaluatedTokens,
    },
  };
}
