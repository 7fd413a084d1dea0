import type {
  JSONObject,
  LanguageModelV3CallOptions,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import type { JudgedRole, Message } from '@vigil/guard-core';
import { classifyWithin } from '@vigil/guard-core/internal';
import type { VigilDecision } from '../core/decision.js';
import { streamSettings } from '../core/options.js';
import {
  blockedMessage,
  type CheckOutcome,
  contentFilterError,
  decide,
  decisionMetadata,
  failure,
  stops,
} from './decide.js';
import { moderateParts } from './moderate-parts.js';
import { resolveMiddlewareOptions, type VigilMiddlewareOptions } from './options.js';
import { answerText, promptConversation } from './prompt-text.js';
import { refusalParts, refusalResult, refusalStream, withVigil } from './refusal.js';

/** The input side of one call. */
interface InputCheck {
  conversation: Message[];
  decision: VigilDecision | undefined;
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
  const checksRequest = options.inspect !== 'response';
  const checksResponse = options.inspect !== 'request';
  const annotate = options.mode !== 'shadow';
  const failModeOf = (role: JudgedRole) => options.failMode[role === 'user' ? 'request' : 'response'];

  function report(decision: VigilDecision): VigilDecision {
    try {
      options.onDecision?.(decision);
    } catch {
      // a logging hook must not break the call
    }
    return decision;
  }

  async function check(
    role: JudgedRole,
    messages: readonly Message[],
    signal: AbortSignal | undefined,
  ): Promise<VigilDecision> {
    const started = performance.now();
    let outcome: CheckOutcome;
    try {
      const verdict = await classifyWithin(options.guard, messages, {
        role,
        timeoutMs: options.timeoutMs,
        signal,
        categories: options.categories,
        label: 'guard check',
      });
      outcome = { kind: 'verdict', verdict };
    } catch (error) {
      outcome = failure(error, signal);
    }
    const decision = report(
      decide({
        role,
        outcome,
        mode: options.mode,
        failMode: failModeOf(role),
        durationMs: performance.now() - started,
      }),
    );
    // The caller aborted: the AI SDK reports its own abort.
    if (outcome.kind === 'aborted') throw outcome.error;
    return decision;
  }

  const skip = (role: JudgedRole, reason: string) =>
    report(
      decide({
        role,
        outcome: { kind: 'nothing', reason },
        mode: options.mode,
        failMode: failModeOf(role),
        durationMs: 0,
      }),
    );

  async function checkInput(params: LanguageModelV3CallOptions): Promise<InputCheck> {
    const prompt = promptConversation(params.prompt, { toolResults: options.judge.toolResults });
    if (!checksRequest) return { conversation: prompt.messages, decision: undefined };
    const decision = prompt.hasUserText
      ? await check('user', prompt.messages, params.abortSignal)
      : skip('user', 'no user text in the prompt');
    return { conversation: prompt.messages, decision };
  }

  function metadata(request: VigilDecision | undefined, response?: VigilDecision): JSONObject | undefined {
    if (!annotate || (!request && !response)) return undefined;
    return {
      ...(request ? { request: decisionMetadata(request) } : {}),
      ...(response ? { response: decisionMetadata(response) } : {}),
    };
  }

  /** The refusal text of a stopped decision, or undefined when the call must throw. */
  function refusal(decision: VigilDecision): string | undefined {
    if (options.onBlocked === 'throw') return undefined;
    if (options.onBlocked === 'refuse') return blockedMessage(decision);
    return String(options.onBlocked(decision));
  }

  function blockedEnding(decision: VigilDecision): LanguageModelV3StreamPart[] {
    const text = refusal(decision);
    return text === undefined ? [{ type: 'error', error: contentFilterError(decision) }] : refusalParts(text);
  }

  function annotateFinish(result: LanguageModelV3StreamResult, vigil: JSONObject | undefined) {
    if (!vigil) return result;
    const stream = result.stream.pipeThrough(
      new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
        transform(part, controller) {
          if (part.type !== 'finish') return controller.enqueue(part);
          const providerMetadata = withVigil(part.providerMetadata, vigil);
          controller.enqueue({ ...part, ...(providerMetadata ? { providerMetadata } : {}) });
        },
      }),
    );
    return { ...result, stream };
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
