import type { LanguageModelV3Middleware, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { VigilDecision } from '../core/decision.js';
import { streamSettings } from '../core/options.js';
import { createCallChecks } from './call-checks.js';
import { blockedMessage, contentFilterError, decisionMetadata, stops } from './decide.js';
import { moderateParts } from './moderate-parts.js';
import {
  type ResolvedMiddlewareOptions,
  resolveMiddlewareOptions,
  type VigilMiddlewareOptions,
} from './options.js';
import { answerText } from './prompt-text.js';
import { annotateFinish, refusalParts, refusalResult, refusalStream, withVigil } from './refusal.js';

/** The refusal text of a stopped decision, or undefined when the call must throw. */
function refusalFor(
  onBlocked: ResolvedMiddlewareOptions['onBlocked'],
  decision: VigilDecision,
): string | undefined {
  if (onBlocked === 'throw') return undefined;
  if (onBlocked === 'refuse') return blockedMessage(decision);
  return String(onBlocked(decision));
}

/**
 * Llama Guard for the Vercel AI SDK (`ai@6`): a `LanguageModelV3Middleware` for
 * `wrapLanguageModel`. The prompt's last user turn (with the tool results that follow it) is
 * judged before the provider is called; the answer before it is returned (`generateText`,
 * `generateObject`) or while it streams (`streamText`, `streamObject`), through guard-core's
 * streaming moderator. Blocks, annotates (`providerMetadata.vigil`) or shadows, with the HTTP
 * middleware's fail modes, timeouts and `onDecision` decisions.
 * @example
 * const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: vigilMiddleware({ guard, mode: 'block' }) });
 * const { text } = await generateText({ model, prompt: 'Write a haiku about rain.' });
 */
export function vigilMiddleware(input: VigilMiddlewareOptions): LanguageModelV3Middleware {
  const options = resolveMiddlewareOptions(input);
  const checksResponse = options.inspect !== 'request';
  const annotate = options.mode !== 'shadow';
  const { report, check, skip, checkInput, metadata } = createCallChecks(options);
  const refusal = (decision: VigilDecision) => refusalFor(options.onBlocked, decision);

  function blockedEnding(decision: VigilDecision): LanguageModelV3StreamPart[] {
    const text = refusal(decision);
    return text === undefined ? [{ type: 'error', error: contentFilterError(decision) }] : refusalParts(text);
  }

  return {
    specificationVersion: 'v3',

    async wrapGenerate({ doGenerate, params }) {
      const request = await checkInput(params);
      if (request.decision && stops(request.decision)) {
        const text = refusal(request.decision);
        if (text === undefined) throw contentFilterError(request.decision);
        return refusalResult(text, metadata(request.decision));
      }
      const result = await doGenerate();
      if (!checksResponse) {
        const providerMetadata = withVigil(result.providerMetadata, metadata(request.decision));
        return { ...result, ...(providerMetadata ? { providerMetadata } : {}) };
      }
      const answer = answerText(result.content, options.judge);
      const response = answer
        ? await check(
            'assistant',
            [...request.conversation, { role: 'assistant', content: answer }],
            params.abortSignal,
          )
        : skip('assistant', 'no assistant text in the answer');
      const vigil = metadata(request.decision, response);
      if (stops(response)) {
        const text = refusal(response);
        if (text === undefined) throw contentFilterError(response);
        return { ...refusalResult(text, vigil), usage: result.usage, warnings: result.warnings };
      }
      const providerMetadata = withVigil(result.providerMetadata, vigil);
      return { ...result, ...(providerMetadata ? { providerMetadata } : {}) };
    },

    async wrapStream({ doStream, params }) {
      const request = await checkInput(params);
      if (request.decision && stops(request.decision)) {
        const text = refusal(request.decision);
        if (text === undefined) throw contentFilterError(request.decision);
        return refusalStream(text, metadata(request.decision));
      }
      const result = await doStream();
      if (!checksResponse) return annotateFinish(result, metadata(request.decision));
      const parts = moderateParts(result.stream, {
        ...streamSettings(options, request.conversation, params.abortSignal),
        judge: options.judge,
        requestMetadata: annotate && request.decision ? decisionMetadata(request.decision) : undefined,
        blockedEnding,
        onDecision: report,
      });
      return { ...result, stream: ReadableStream.from(parts) };
    },
  };
}
