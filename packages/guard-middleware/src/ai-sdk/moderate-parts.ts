import type { JSONObject, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { Guard, StreamStep } from '@vigil/guard-core';
import { createStreamModerator } from '@vigil/guard-core';
import { failureReason, lastWordEnd } from '@vigil/guard-core/internal';
import type { VigilDecision } from '../core/decision.js';
import type { StreamSettings } from '../core/options.js';
import { type CheckOutcome, decide, decisionMetadata, failure } from './decide.js';
import { fileText } from './prompt-text.js';
import { contentFilterFinish, unknownUsage, withVigil } from './refusal.js';

type Part = LanguageModelV3StreamPart;
type FinishPart = Extract<Part, { type: 'finish' }>;
type DeltaPart = Extract<Part, { type: 'text-delta' | 'reasoning-delta' | 'tool-input-delta' }>;

export interface PartsModerationOptions extends StreamSettings {
  judge: { toolCalls: boolean; reasoning: boolean; toolResults: boolean };
  /** `providerMetadata.vigil.request` for the finish part (undefined: no metadata, shadow mode). */
  requestMetadata: JSONObject | undefined;
  /** The parts that end a blocked stream before its `finish`: an `error` part, or a refusal. */
  blockedEnding: (decision: VigilDecision) => Part[];
  /** Called once with the answer's decision. */
  onDecision: (decision: VigilDecision) => void;
}

/** A part waiting to be released: it may go once the checked text reaches `end`. */
interface Held {
  part: Part;
  /** For judged deltas: where its text starts in the moderated text (released piece by piece). */
  start: number | undefined;
  end: number;
}

const cutMarker = Symbol('cut');
const separator = '\n\n';
const endOf = {
  'text-start': 'text-end',
  'reasoning-start': 'reasoning-end',
  'tool-input-start': 'tool-input-end',
} as const;

const failedStep = (error: unknown): StreamStep => ({
  release: '',
  blocked: false,
  verdict: undefined,
  error,
});

function isDelta(part: Part): part is DeltaPart {
  return part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-input-delta';
}

/** The outcome of a streamed answer from the moderator's last step. */
function streamOutcome(step: StreamStep, signal: AbortSignal | undefined): CheckOutcome {
  if (step.verdict && !step.verdict.safe) return { kind: 'verdict', verdict: step.verdict };
  if (step.error !== undefined) return failure(step.error, signal);
  if (step.verdict) return { kind: 'verdict', verdict: step.verdict };
  return { kind: 'nothing', reason: 'no assistant text in the stream' };
}

/**
 * Moderates an AI SDK (`LanguageModelV3`) stream with guard-core's streaming moderator. Text,
 * reasoning and tool-input deltas (by option) are judged as one assistant answer, blocks
 * separated by a blank line, and so are whole tool calls, provider-executed tool results and
 * generated `text/*` files.
 * Under `'buffer'` a delta leaves only once its text is checked (a delta is split at the checked
 * boundary, a word end), and `raw` chunks only once the whole answer has passed; under
 * `'progressive'` whole words leave at once and checks run behind them. Other parts keep their
 * place in the order. In `'block'` mode a
 * cut (an unsafe verdict, or a failed check under `failMode: 'closed'`) closes the open blocks,
 * adds `blockedEnding`, and ends with a `finish` part whose reason is `content-filter`; the
 * source is then cancelled. Other modes pass every part as it comes.
 * @example
 * const stream = ReadableStream.from(moderateParts(result.stream, { guard, conversation, mode: 'block', ... }));
 */
export async function* moderateParts(
  source: ReadableStream<Part>,
  options: PartsModerationOptions,
): AsyncGenerator<Part, void, undefined> {
  const enforce = options.mode === 'block';
  const strategy = enforce ? options.strategy : 'progressive';
  let guardMs = 0;
  const timedGuard: Pick<Guard, 'classify'> = {
    async classify(input, classifyOptions) {
      const started = performance.now();
      try {
        return await options.guard.classify(input, classifyOptions);
      } finally {
        guardMs += performance.now() - started;
      }
    },
  };
  const moderator = createStreamModerator({
    guard: timedGuard,
    conversation: options.conversation,
    strategy,
    checkEvery: { tokens: options.checkTokens, sentence: true },
    classifyOptions: options.categories ? { categories: options.categories } : {},
    timeoutMs: options.timeoutMs,
    failMode: enforce ? options.failMode : 'open',
    signal: options.signal,
  });
  const cut = moderator.cut.then((): typeof cutMarker => cutMarker);

  let text = '';
  let released = 0;
  let cursor = 0;
  let channel: string | undefined;
  /** The kind (`text`, `reasoning`, `tool`, `whole`) of the last block judged. */
  let lastKind: string | undefined;
  let finishPart: FinishPart | undefined;
  const held: Held[] = [];
  const rawParts: Part[] = [];
  const toolInputs = new Set<string>();
  const open = new Map<string, (typeof endOf)[keyof typeof endOf]>();

  async function pushText(piece: string) {
    text += piece;
    const step = await moderator.push(piece);
    if (!enforce) released = text.length;
    else if (moderator.blocked) return;
    else if (strategy === 'buffer') released += step.release.length;
    else released = Math.max(released, lastWordEnd(text, released));
  }

  /**
   * Blocks are judged apart (a blank line between them), except text after text: `textStream`
   * and the text parts a UI renders show them joined, so a word split across them is judged whole.
   */
  async function enterChannel(key: string) {
    if (channel === key) return;
    const kind = key.slice(0, key.indexOf(':'));
    const joined = kind === 'text' && lastKind === 'text';
    if (text !== '' && !joined && !/\s$/.test(text)) await pushText(separator);
    channel = key;
    lastKind = kind;
  }

  function channelOf(part: DeltaPart): string | undefined {
    if (part.type === 'text-delta') return `text:${part.id}`;
    if (part.type === 'reasoning-delta') return options.judge.reasoning ? `reasoning:${part.id}` : undefined;
    return options.judge.toolCalls ? `tool:${part.id}` : undefined;
  }

  /**
   * Under `'progressive'` a tool call waits for the final check (and what follows it waits behind
   * it): the caller runs the tool as soon as it sees the call, so a later cut would be too late.
   */
  function hold(part: Part) {
    const gated =
      enforce && strategy === 'progressive' && part.type === 'tool-call' && options.judge.toolCalls;
    held.push({ part, start: undefined, end: gated ? Number.POSITIVE_INFINITY : text.length });
  }

  function emitted(part: Part): Part {
    if (part.type in endOf) open.set((part as { id: string }).id, endOf[part.type as keyof typeof endOf]);
    else if (part.type === 'text-end' || part.type === 'reasoning-end' || part.type === 'tool-input-end') {
      open.delete(part.id);
    }
    return part;
  }

  /** The held parts the checked text now lets through, deltas cut at the checked boundary. */
  function flush(): Part[] {
    const out: Part[] = [];
    while (held.length > 0) {
      const head = held[0] as Held;
      if (head.start !== undefined && isDelta(head.part)) {
        const from = Math.max(head.start, cursor);
        const to = Math.min(head.end, released);
        const last = out.at(-1);
        if (to > from && last?.type === head.part.type && isDelta(last) && last.id === head.part.id) {
          out[out.length - 1] = { ...last, delta: last.delta + text.slice(from, to) };
        } else if (to > from) out.push({ ...head.part, delta: text.slice(from, to) });
        cursor = Math.max(cursor, to);
      } else if (head.end <= released) {
        out.push(emitted(head.part));
      }
      if (head.end > released) break;
      held.shift();
    }
    return out;
  }

  async function handle(part: Part): Promise<void> {
    if (part.type === 'finish') {
      finishPart = part;
      return;
    }
    if (isDelta(part)) {
      const key = channelOf(part);
      if (key === undefined) return hold(part);
      if (part.type === 'tool-input-delta') toolInputs.add(part.id);
      await enterChannel(key);
      held.push({ part, start: text.length, end: text.length + part.delta.length });
      return pushText(part.delta);
    }
    if (part.type === 'text-end' || part.type === 'reasoning-end' || part.type === 'tool-input-end') {
      hold(part);
      const kind = part.type === 'text-end' ? 'text' : part.type === 'reasoning-end' ? 'reasoning' : 'tool';
      if (channel === `${kind}:${part.id}`) {
        channel = undefined;
        if (kind !== 'text') await pushText(separator);
      }
      return;
    }
    if (part.type === 'raw' && strategy === 'buffer') {
      // The provider's raw chunk holds the same text as the deltas parsed from it, usually before
      // them: it may go only once the whole answer has passed.
      rawParts.push(part);
      return;
    }
    const whole = wholeText(part);
    if (whole === undefined) return hold(part);
    // A tool call that came whole (no input deltas), a provider-executed tool's result: judged
    // before the part leaves.
    await enterChannel(`whole:${held.length}:${text.length}`);
    await pushText(whole);
    hold(part);
    channel = undefined;
    return pushText(separator);
  }

  function wholeText(part: Part): string | undefined {
    if (part.type === 'tool-call' && options.judge.toolCalls && !toolInputs.has(part.toolCallId)) {
      return `${part.toolName} ${part.input}`;
    }
    if (part.type === 'tool-result' && options.judge.toolResults) {
      return `${part.toolName} ${JSON.stringify(part.result)}`;
    }
    if (part.type === 'file') return fileText(part) || undefined;
    return undefined;
  }

  function report(step: StreamStep): VigilDecision {
    const decision = decide({
      role: 'assistant',
      outcome: streamOutcome(step, options.signal),
      mode: options.mode,
      failMode: options.failMode,
      durationMs: guardMs,
      streamed: true,
    });
    options.onDecision(decision);
    return decision;
  }

  function finish(decision: VigilDecision, reason: FinishPart | undefined): FinishPart | undefined {
    if (!reason) return undefined;
    const vigil = options.requestMetadata
      ? { request: options.requestMetadata, response: decisionMetadata(decision) }
      : options.mode === 'shadow'
        ? undefined
        : { response: decisionMetadata(decision) };
    const providerMetadata = withVigil(reason.providerMetadata, vigil);
    return { ...reason, ...(providerMetadata ? { providerMetadata } : {}) };
  }

  const reader = source.getReader();
  let exhausted = false;
  try {
    while (!enforce || !moderator.blocked) {
      const next = reader.read();
      next.catch(() => {});
      const result = enforce ? await Promise.race([next, cut]) : await next;
      if (result === cutMarker) break;
      if (result.done) {
        exhausted = true;
        break;
      }
      await handle(result.value);
      yield* flush();
    }
    if (!enforce) {
      released = text.length;
      yield* flush();
      if (options.mode === 'shadow') {
        // Everything has passed; judge the end without holding the caller.
        if (finishPart) yield finishPart;
        moderator.end().then(report, (error: unknown) => report(failedStep(error)));
        return;
      }
      // Annotate: only the finish part waits, for the verdict it carries.
      const done = finish(report(await moderator.end()), finishPart);
      if (done) yield done;
      return;
    }
    if (!moderator.blocked) {
      const summary = await moderator.end();
      if (!moderator.blocked) {
        released = Number.POSITIVE_INFINITY;
        yield* flush();
        yield* rawParts;
        const done = finish(report(summary), finishPart);
        if (done) yield done;
        return;
      }
    }
    const step = await moderator.cut;
    yield* flush();
    for (const [id, type] of open) yield { type, id } as Part;
    open.clear();
    const decision = report(step);
    yield* options.blockedEnding(decision);
    yield finish(decision, {
      type: 'finish',
      finishReason: contentFilterFinish,
      usage: finishPart?.usage ?? unknownUsage,
      ...(finishPart?.providerMetadata ? { providerMetadata: finishPart.providerMetadata } : {}),
    }) as FinishPart;
  } catch (error) {
    // The provider's stream failed, or the call was aborted: nothing was decided about the answer.
    const outcome = failure(error, options.signal);
    const reason = `stream ended early: ${failureReason(error)}`;
    options.onDecision(
      decide({
        role: 'assistant',
        outcome: outcome.kind === 'aborted' ? outcome : { kind: 'nothing', reason },
        mode: options.mode,
        failMode: options.failMode,
        durationMs: guardMs,
        streamed: true,
      }),
    );
    throw error;
  } finally {
    if (!exhausted) reader.cancel().catch(() => {});
    try {
      reader.releaseLock();
    } catch {
      // a read still pending on an old runtime: the cancel above settles it
    }
  }
}
