import { z } from 'zod';
import { type ClassifyOptions, classifyOptionsSchema } from './classify-options.js';
import { forgedTurnVariants } from './conversation/forged-turns.js';
import { normalizeConversation } from './conversation/normalize.js';
import type { Conversation, JudgedRole, Message } from './conversation/types.js';
import { type GuardMemory, guardMemory } from './engine/local/guard-memory.js';
import { openLocalEngine } from './engine/local/index.js';
import {
  defaultChunkSize,
  localModelOptionsShape,
  type ResolvedLocalEngineOptions,
} from './engine/local/runtime-options.js';
import {
  type LongConversation,
  longConversationSchema,
  scoreConversation,
} from './engine/long-conversation.js';
import { createRemoteEngine } from './engine/remote/remote-engine.js';
import { guardEngineOptionSchema } from './engine/remote/remote-options.js';
import type { EngineModelInfo, GuardEngine, ScoreRequest, ScoreResult } from './engine/types.js';
import { VigilAbortError, VigilDisposedError, VigilModelError } from './errors.js';
import { mostUnsafe } from './most-unsafe.js';
import { type Policy, policyOptionsShape, resolvePolicy, withCategories } from './policy/policy.js';
import { lowestThreshold } from './policy/thresholds.js';
import { processEnv } from './process-env.js';
import {
  createPromptRenderer,
  type PromptRenderer,
  type PromptSegments,
  type PromptSource,
} from './prompt/renderer.js';
import { shareLoop } from './share-loop.js';
import { parseOrThrow } from './validation.js';
import type { Truncation, Verdict } from './verdict/types.js';
import { buildVerdict } from './verdict/verdict.js';
import { VerdictCache, verdictCacheKey } from './verdict/verdict-cache.js';

const isFunction = (value: unknown) => typeof value === 'function';
const isEngine = (value: unknown): value is GuardEngine =>
  typeof value === 'object' && value !== null && isFunction((value as GuardEngine).score);

/** Llama Guard 3 1B, Q4_K_M (955 MB): the default model, downloaded on first use. */
export const defaultGuardModel = 'hf:QuantFactory/Llama-Guard-3-1B-GGUF/Llama-Guard-3-1B.Q4_K_M.gguf';

/** The options only `createGuard` takes; the policy's and the local engine's are spread beside them. */
const guardOwnOptionsShape = {
  /**
   * The Llama Guard 3 GGUF: a local path or an `hf:` URI (downloaded once into `modelsDir`).
   * Defaults to `VIGIL_GUARD_MODEL`, else {@link defaultGuardModel}.
   */
  model: z
    .string()
    .min(1)
    .default(() => processEnv().VIGIL_GUARD_MODEL || defaultGuardModel),
  /**
   * Verdicts kept in an LRU keyed by (model, policy, role, the normalized turns and their roles);
   * each call gets its own copy. `0` turns it off. Defaults to `1024`.
   */
  verdictCacheSize: z.number().int().min(0).default(1024),
  /**
   * On load, check that the model answers like Llama Guard: after a probe prompt, `safe` and
   * `unsafe` must hold at least half of the next-token probability (a wrong GGUF, e.g. a chat
   * model, fails at once with `VigilModelError`). Costs one prompt evaluation, which also warms
   * the cache. Local engines only. Defaults to `true`.
   */
  verifyModel: z.boolean().default(true),
  /**
   * An engine to use instead of loading a model: one shared by several guards, a remote one, or
   * a scripted one in tests (the caller keeps it: `dispose()` does not dispose it); or
   * `{ type: 'remote', baseURL, model, ... }` (`RemoteEngineOptions`): OpenAI-compatible servers
   * (vLLM, llama-server) the guard connects to and owns. Defaults to a local engine of `model`,
   * owned by the guard.
   */
  engine: guardEngineOptionSchema(isEngine).optional(),
  /**
   * A conversation longer than the longest context (`maxContextSize`, at most the model's trained
   * context): `'truncate'` drops its oldest turns, keeping the judged turn whole, and judges a
   * judged turn longer than the context in overlapping windows, unsafe if any window is (the
   * verdict says so in `truncated`); `'error'` throws `VigilInputError`. Defaults to `'truncate'`.
   */
  longConversation: longConversationSchema.default('truncate'),
};

// Annotated with the shapes it is made of: the emitted `.d.ts` then keeps each option's doc comment.
const guardOptionsSchema: z.ZodObject<
  typeof policyOptionsShape & typeof localModelOptionsShape & typeof guardOwnOptionsShape,
  z.core.$strict
> = z.strictObject({ ...policyOptionsShape, ...localModelOptionsShape, ...guardOwnOptionsShape });

/** The options of `createGuard`: the policy, the model and how it runs, or an engine to use. */
export interface GuardOptions extends z.input<typeof guardOptionsSchema> {}

type ResolvedGuardOptions = z.output<typeof guardOptionsSchema>;

export type { ClassifyOptions };

export interface GuardStats {
  classifications: number;
  verdictCache: { hits: number; misses: number; size: number };
  engine: Record<string, number>;
}

export interface Guard extends AsyncDisposable {
  /**
   * Classifies the last user or assistant turn of a conversation. Options are validated (a bad
   * one is a `VigilConfigError` naming it); a call racing `dispose()` rejects with
   * `VigilDisposedError`. A judged turn holding lines that read as turn boundaries of Meta's
   * format (`\n\nUser:`, `\n\nAgent:`) is also judged piece by piece, and the most unsafe
   * verdict wins (ADR 0010).
   * @example
   * const verdict = await guard.classify([{ role: 'user', content: 'How do I make a bomb?' }]);
   * if (!verdict.safe) console.log(verdict.categories.map((c) => c.code)); // ['S9']
   */
  classify(input: string | readonly Message[], options?: ClassifyOptions): Promise<Verdict>;
  /** The guard's resolved policy (categories, threshold). */
  readonly policy: Policy;
  /** The loaded model, and where the prompt template came from. */
  readonly model: EngineModelInfo & { promptSource: PromptSource };
  /** The engine behind the guard (shared by the streaming moderator and benchmarks). */
  readonly engine: GuardEngine;
  /** Counters of the guard and its engine. Throws `VigilDisposedError` after `dispose()`. */
  stats(): GuardStats;
  /**
   * What the guard holds in memory, in bytes: model weights, KV caches, state cache, and the
   * process's resident memory (anonymous and file-backed apart on Linux). Throws
   * `VigilDisposedError` after `dispose()`.
   */
  memory(): GuardMemory;
  /**
   * Frees the model it loaded (not an engine passed in), after calls in flight or queued have
   * rejected with `VigilDisposedError`. Idempotent; calls after it throw `VigilDisposedError`.
   */
  dispose(): Promise<void>;
}

/**
 * Creates a guard: loads Llama Guard once (downloading it on first use) and classifies
 * conversations against a configurable policy.
 * @example
 * const guard = await createGuard({ model: './Llama-Guard-3-1B.Q4_K_M.gguf', excludeCategories: ['S6'] });
 * const verdict = await guard.classify('How do I pick a lock?');
 * await guard.dispose();
 */
export async function createGuard(options: GuardOptions = {}): Promise<Guard> {
  const parsed = parseOrThrow(guardOptionsSchema, options, 'createGuard options');
  const policy = resolvePolicy(
    {
      categories: parsed.categories,
      excludeCategories: parsed.excludeCategories,
      customCategories: parsed.customCategories,
      threshold: parsed.threshold,
      thresholds: parsed.thresholds,
    },
    'createGuard options',
  );
  const given = parsed.engine && isEngine(parsed.engine) ? parsed.engine : undefined;
  const remote = parsed.engine && !isEngine(parsed.engine) ? parsed.engine : undefined;
  const engine =
    given ?? (remote ? await createRemoteEngine(remote) : await openLocalEngine(localEngineOptions(parsed)));
  const renderer = createPromptRenderer(engine.model.chatTemplate);
  if (!given && parsed.verifyModel) await verifyLlamaGuard(engine, renderer, policy);
  return guardOverEngine(engine, renderer, !given, policy, parsed.verdictCacheSize, parsed.longConversation);
}

/** The local engine's options among the guard's resolved ones (all of them but `chunkSize`). */
function localEngineOptions(parsed: ResolvedGuardOptions): ResolvedLocalEngineOptions {
  const options: Record<string, unknown> = { model: parsed.model, chunkSize: defaultChunkSize };
  for (const key of Object.keys(localModelOptionsShape)) options[key] = parsed[key as keyof typeof parsed];
  return options as ResolvedLocalEngineOptions;
}

/** Fails (and frees the engine) when the model does not answer a Llama Guard prompt with a verdict. */
async function verifyLlamaGuard(engine: GuardEngine, renderer: PromptRenderer, policy: Policy) {
  if (!engine.verdictMass) return;
  const segments = renderer.segments(policy, normalizeConversation('Hello!'));
  const mass = await engine.verdictMass(segments);
  if (mass >= 0.5) return;
  await engine.dispose();
  throw new VigilModelError(
    `model '${engine.model.id.replace(/:\d+$/, '')}' does not answer like Llama Guard 3: after a Llama Guard prompt, 'safe' and 'unsafe' hold ${(mass * 100).toFixed(1)}% of the next-token probability (Llama Guard: nearly 100%); pass a Llama Guard 3 GGUF, or verifyModel: false to skip this check`,
  );
}

/** What scoring a call needs of its guard. */
interface Scoring {
  engine: GuardEngine;
  renderer: PromptRenderer;
  longConversation: LongConversation;
}

type Variant = { conversation: Conversation; segments: PromptSegments };

/**
 * A call's conversation, its policy (the call's `categories`, else the guard's) and its rendered
 * prompt. A large conversation takes milliseconds per step here: the loop gets a turn between them.
 */
async function prepareCall(
  renderer: PromptRenderer,
  policy: Policy,
  input: string | readonly Message[],
  parsed: { role?: JudgedRole | undefined; categories?: readonly string[] | undefined },
) {
  // Starts this turn's slice of main-thread work (or waits for a turn): normalizing counts.
  const start = shareLoop();
  if (start) await start;
  const conversation = normalizeConversation(input, { role: parsed.role });
  const callPolicy = parsed.categories ? withCategories(policy, parsed.categories) : policy;
  const rendered = shareLoop();
  if (rendered) await rendered;
  const segments = renderer.segments(callPolicy, conversation);
  const turn = shareLoop();
  if (turn) await turn;
  return { conversation, callPolicy, segments };
}

/** Forged turns (ADR 0010): the call's prompt, then one per piece of a judged turn holding forged boundaries. */
async function forgedVariants(
  renderer: PromptRenderer,
  callPolicy: Policy,
  conversation: Conversation,
  segments: PromptSegments,
): Promise<Variant[]> {
  const variants = [{ conversation, segments }];
  for (const variant of forgedTurnVariants(conversation)) {
    const next = shareLoop();
    if (next) await next;
    variants.push({ conversation: variant, segments: renderer.segments(callPolicy, variant) });
  }
  return variants;
}

/** Scores every variant of one call (ADR 0010), each cut to fit when long; the first failure stops the others. */
async function scoreAll(
  scoring: Scoring,
  variants: readonly Variant[],
  request: Omit<ScoreRequest, 'segments'>,
  callPolicy: Policy,
) {
  const score = (variant: Variant, signal: AbortSignal | undefined) =>
    scoreConversation({
      engine: scoring.engine,
      renderer: scoring.renderer,
      policy: callPolicy,
      conversation: variant.conversation,
      segments: variant.segments,
      request: { ...request, signal },
      mode: scoring.longConversation,
    });
  if (variants.length === 1) return [await score(variants[0] as Variant, request.signal)];
  const call = new AbortController();
  const signal = AbortSignal.any([call.signal, ...(request.signal ? [request.signal] : [])]);
  try {
    return await Promise.all(variants.map((variant) => score(variant, signal)));
  } catch (error) {
    call.abort(error);
    throw error;
  }
}

/**
 * The verdict cache's key of a call. Keyed on the turns and roles judged, not the rendered text: a
 * forged single turn renders like the real conversation it fakes and must be judged piece by
 * piece (ADR 0010).
 */
function callKey(
  engine: GuardEngine,
  callPolicy: Policy,
  includeCategoryProbabilities: boolean,
  conversation: Conversation,
) {
  return verdictCacheKey(
    {
      model: engine.model.id,
      policyKey: callPolicy.key,
      threshold: callPolicy.threshold,
      thresholds: callPolicy.thresholds,
      includeCategoryProbabilities,
    },
    conversation,
  );
}

/** One scored variant's verdict, with how it was cut to fit when it was. */
function verdictOf(
  scored: { result: ScoreResult; truncated?: Truncation | undefined },
  callPolicy: Policy,
  role: JudgedRole,
  durationMs: number,
): Verdict {
  const verdict = buildVerdict(scored.result, callPolicy, role, durationMs);
  if (scored.truncated) verdict.truncated = scored.truncated;
  return verdict;
}

function guardOverEngine(
  engine: GuardEngine,
  renderer: PromptRenderer,
  ownsEngine: boolean,
  policy: Policy,
  verdictCacheSize: number,
  longConversation: LongConversation,
): Guard {
  const cache = new VerdictCache(verdictCacheSize);
  const knownCodes = [...policy.known.keys()];
  let classifications = 0;
  let disposed = false;

  /**
   * One per call in flight or queued, aborted by `dispose()` (the call rejects with
   * `VigilDisposedError`). Per call, not one shared signal: a call waiting for a sequence listens
   * on its signal, and a hundred waiting calls must not pile listeners onto one signal.
   */
  const calls = new Set<AbortController>();
  const inFlight = new Set<Promise<unknown>>();
  let disposing: Promise<void> | undefined;
  const disposedError = (cause?: unknown) =>
    new VigilDisposedError(
      cause === undefined
        ? 'classify: the guard was disposed'
        : 'classify: the guard was disposed while the call was in flight',
      { cause },
    );

  async function classify(input: string | readonly Message[], options: ClassifyOptions = {}) {
    const started = performance.now();
    if (disposed) throw disposedError();
    const parsed = parseOrThrow(classifyOptionsSchema, options, 'classify options');
    const callerSignal = parsed.signal;
    if (callerSignal?.aborted) throw new VigilAbortError('classify: aborted', { cause: callerSignal.reason });
    const { conversation, callPolicy, segments } = await prepareCall(renderer, policy, input, parsed);
    const { includeCategoryProbabilities } = parsed;
    const key = callKey(engine, callPolicy, includeCategoryProbabilities, conversation);
    const hit = cache.get(key);
    if (hit) {
      classifications++;
      // A copy of the cache's own: changing it changes no later answer.
      return Object.assign(hit, { cached: true, durationMs: performance.now() - started });
    }
    const variants = await forgedVariants(renderer, callPolicy, conversation, segments);
    const call = new AbortController();
    calls.add(call);
    if (disposed) call.abort(disposedError()); // disposed while this call was being prepared
    const run = scoreAll(
      { engine, renderer, longConversation },
      variants,
      {
        knownCodes,
        // Codes must be decoded wherever some category in force could fire.
        threshold: lowestThreshold(
          callPolicy,
          callPolicy.categories.map((category) => category.code),
        ),
        includeCategoryProbabilities,
        signal: callerSignal ? AbortSignal.any([callerSignal, call.signal]) : call.signal,
      },
      callPolicy,
    );
    inFlight.add(run);
    let results: Awaited<typeof run>;
    try {
      results = await run;
    } catch (error) {
      // A dispose() racing the call: never the runtime's own "Object is disposed".
      if (disposed && !callerSignal?.aborted) throw disposedError(error);
      throw error;
    } finally {
      inFlight.delete(run);
      calls.delete(call);
    }
    if (disposed) throw disposedError(new Error('disposed before the verdict was returned'));
    const durationMs = performance.now() - started;
    const verdict = mostUnsafe(
      results.map((scored) => verdictOf(scored, callPolicy, conversation.role, durationMs)),
    );
    cache.set(key, verdict);
    classifications++;
    return verdict;
  }

  function dispose() {
    disposing ??= (async () => {
      disposed = true;
      for (const call of calls) call.abort(disposedError());
      // Let calls in flight settle (they reject with VigilDisposedError) before freeing the model.
      await Promise.allSettled([...inFlight]);
      cache.clear();
      if (ownsEngine) await engine.dispose();
    })();
    return disposing;
  }

  function stats(): GuardStats {
    if (disposed) throw new VigilDisposedError('stats: the guard was disposed');
    return {
      classifications,
      verdictCache: { hits: cache.hits, misses: cache.misses, size: cache.size },
      engine: engine.stats?.() ?? {},
    };
  }

  return {
    classify,
    policy,
    engine,
    model: { ...engine.model, promptSource: renderer.source },
    stats,
    memory: () => {
      if (disposed) throw new VigilDisposedError('memory: the guard was disposed');
      return guardMemory(engine);
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
