import type { JSONObject, LanguageModelV3CallOptions } from '@ai-sdk/provider';
import type { JudgedRole, Message } from '@vigil/guard-core';
import type { VigilDecision } from '../core/decision.js';
import { runCheck } from '../core/run-check.js';
import { type CheckOutcome, decide, decisionMetadata, failure } from './decide.js';
import type { ResolvedMiddlewareOptions } from './options.js';
import { promptConversation } from './prompt-text.js';

/** The input side of one call. */
export interface InputCheck {
  conversation: Message[];
  decision: VigilDecision | undefined;
}

/**
 * The whole-text checks of the AI SDK middleware (the prompt; a generated answer), each decided
 * by the shared table and reported to `onDecision`, and the `providerMetadata.vigil` they make.
 */
export function createCallChecks(options: ResolvedMiddlewareOptions) {
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
      const { timeoutMs, categories } = options;
      const verdict = await runCheck(options.guard, messages, { role, timeoutMs, signal, categories });
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
    if (options.inspect === 'response') return { conversation: prompt.messages, decision: undefined };
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

  return { report, check, skip, checkInput, metadata };
}
