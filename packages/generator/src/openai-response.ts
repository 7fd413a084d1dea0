import { type Verdict, VigilError } from '@vigil/guard-core';
import type { ChatResult } from './types.js';

/** An OpenAI-style error body and its HTTP status. */
export function errorResponse(error: unknown): { status: 400 | 408 | 429 | 500 | 503; body: unknown } {
  const message = error instanceof Error ? error.message : String(error);
  const body = (type: string, code: string | null) => ({ error: { message, type, param: null, code } });
  if (!VigilError.isInstance(error)) return { status: 500, body: body('server_error', null) };
  switch (error.code) {
    case 'config':
    case 'input':
      return { status: 400, body: body('invalid_request_error', error.code) };
    case 'content_filter':
      return { status: 400, body: body('invalid_request_error', 'content_filter') };
    case 'queue_full':
      return { status: 429, body: body('rate_limit_error', 'queue_full') };
    case 'aborted':
      return { status: 408, body: body('aborted', 'aborted') };
    case 'disposed':
      return { status: 503, body: body('server_error', 'disposed') };
    case 'model':
    case 'model_output':
    case 'engine':
      return { status: 500, body: body('server_error', error.code) };
    default:
      return error.code satisfies never;
  }
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
