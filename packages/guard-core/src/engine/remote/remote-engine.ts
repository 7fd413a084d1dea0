import { sleep } from '../../async/sleep.js';
import {
  VigilAbortError,
  VigilConfigError,
  VigilDisposedError,
  VigilEngineError,
  VigilError,
  VigilInputError,
  VigilModelOutputError,
} from '../../errors.js';
import { parseOrThrow } from '../../validation.js';
import { answerText } from '../answer-text.js';
import type { EngineModelInfo, GuardEngine, ScoreRequest, ScoreResult, Usage } from '../types.js';
import {
  type AnswerStep,
  codeProbabilities,
  decodeCodes,
  skipLeadingWhitespace,
  startsWithUnsafeCodeLine,
  verdictScore,
} from './answer-logprobs.js';
import { backoffDelay } from './backoff.js';
import {
  answerSteps,
  type CompletionReply,
  type CompletionRequestBody,
  completionReplySchema,
  propsReplySchema,
  tokenizeReplySchema,
} from './completions-protocol.js';
import { AttemptFailure, type HttpSettings, requestJson } from './http-attempt.js';
import { parseAnswer } from './parse-answer.js';
import { PromptEncoding, type Tokenize } from './prompt-encoding.js';
import { type RemoteEngineOptions, remoteEngineOptionsSchema } from './remote-options.js';
import { type Replica, ReplicaPool } from './replica-pool.js';

/** The most category codes decoded for one verdict (as the local engine). */
const maxCodes = 6;
/** `unsafe` `\n` `S` and a code, then `,S` and a code for each further one, then the end of turn. */
const answerTokens = 3 + 2 * maxCodes;
/** When the server does not say its context size. */
const defaultContextSize = 8192;

/** A `GuardEngine` over OpenAI-compatible servers; `stats()` adds request and replica counters. */
export interface RemoteEngine extends GuardEngine {
  /** How prompts travel: `tokens` (ids from a local tokenizer or the server's `/tokenize`) or `text`. */
  readonly promptFormat: 'tokens' | 'text';
  /** Where token ids come from, when `promptFormat` is `tokens`. */
  readonly tokenSource: 'local' | 'server' | undefined;
}

interface Probe {
  chatTemplate?: string | undefined;
  /** llama-server's BOS text: it answered `/props`, so it adds a BOS to string prompts. */
  bosToken?: string | undefined;
  contextSize?: number | undefined;
  serverTokenizes: boolean;
}

/** Asks replicas in turn for llama-server's `/props` and `/tokenize` until one answers. */
async function probeServer(settings: HttpSettings, replicas: readonly Replica[], wantTokenize: boolean) {
  const failures: string[] = [];
  for (const replica of replicas) {
    try {
      const probe: Probe = { serverTokenizes: false };
      try {
        const props = await requestJson(settings, replica.url, '/props', undefined, propsReplySchema);
        probe.chatTemplate = props.chat_template ?? undefined;
        probe.bosToken = props.bos_token ?? undefined;
        probe.contextSize = props.default_generation_settings?.n_ctx ?? undefined;
      } catch (error) {
        if (!(error instanceof AttemptFailure) || error.kind === 'connection' || error.kind === 'timeout')
          throw error;
      }
      if (wantTokenize) {
        try {
          const tokenize = (special: boolean) =>
            requestJson(
              settings,
              replica.url,
              '/tokenize',
              { content: '<|eot_id|>', add_special: false, parse_special: special },
              tokenizeReplySchema,
            );
          const [plain, special] = [await tokenize(false), await tokenize(true)];
          probe.serverTokenizes = plain.tokens.length > 1 && special.tokens.length === 1;
        } catch (error) {
          if (!(error instanceof AttemptFailure) || error.kind === 'connection' || error.kind === 'timeout')
            throw error;
        }
      }
      return probe;
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      failures.push(error.message);
    }
  }
  throw new VigilEngineError(
    `remote engine: cannot reach a server: expected one replica to answer, received: ${failures.join('; ')}`,
  );
}

function combinedError(failures: readonly AttemptFailure[], last: unknown) {
  const messages = failures.map((failure) => failure.message);
  if (VigilError.isInstance(last) && !messages.includes(last.message)) messages.push(last.message);
  const count = failures.length > 1 ? `${failures.length} attempts failed: ` : '';
  return new VigilEngineError(`remote engine: ${count}${messages.join('; ')}`, { cause: last });
}

/**
 * Creates an engine that scores Llama Guard prompts on OpenAI-compatible servers (vLLM,
 * llama-server, SGLang) through `POST /v1/completions` with logprobs: the same
 * P(unsafe)/(P(safe)+P(unsafe)) and category probabilities as the local engine, over one or
 * several replicas (least outstanding requests, retries with jittered backoff, a circuit breaker
 * per replica). Probes the first replica that answers for its chat template and tokenizer.
 * @example
 * const engine = await createRemoteEngine({ baseURL: ['http://gpu-1:8000/v1', 'http://gpu-2:8000/v1'], model: 'llama-guard' });
 * const guard = await createGuard({ engine });
 */
export async function createRemoteEngine(options: RemoteEngineOptions): Promise<RemoteEngine> {
  const parsed = parseOrThrow(remoteEngineOptionsSchema, options, 'createRemoteEngine options');
  const urls = typeof parsed.baseURL === 'string' ? [parsed.baseURL] : parsed.baseURL;
  const settings: HttpSettings = {
    fetch: parsed.fetch ?? globalThis.fetch,
    apiKey: parsed.apiKey,
    timeoutMs: parsed.timeoutMs,
  };
  const { maxRetries, topLogprobs } = parsed;
  const pool = new ReplicaPool(urls, parsed);
  const wanted = parsed.promptFormat;
  const probe = await probeServer(settings, pool.replicas, wanted !== 'text' && !parsed.tokenizer);
  const tokenSource =
    wanted === 'text' ? undefined : parsed.tokenizer ? 'local' : probe.serverTokenizes ? 'server' : undefined;
  if (wanted === 'tokens' && !tokenSource) {
    throw new VigilConfigError(
      `createRemoteEngine options.promptFormat: expected a tokenizer option or a server whose /tokenize takes parse_special (llama-server) for 'tokens', received neither from ${pool.replicas.map((r) => r.url).join(', ')}`,
    );
  }
  const encoding = new PromptEncoding(tokenSource ? 'tokens' : 'text', probe.bosToken);
  const contextSize = probe.contextSize ?? defaultContextSize;
  const localTokenizer = parsed.tokenizer;
  const disposer = new AbortController();
  const totals = {
    calls: 0,
    requests: 0,
    retries: 0,
    failedAttempts: 0,
    textOnlyScores: 0,
    boundedScores: 0,
    promptTokens: 0,
    evaluatedTokens: 0,
    cachedTokens: 0,
  };
  let disposed = false;

  const info: EngineModelInfo = {
    id: `remote:${parsed.model}@${pool.replicas.map((r) => r.url).join(',')}`,
    chatTemplate: parsed.chatTemplate ?? probe.chatTemplate,
    contextSize,
  };

  function tokenizerFor(replica: Replica, signal: AbortSignal): Tokenize | undefined {
    if (localTokenizer) return async (text, special) => localTokenizer(text, { special });
    if (tokenSource !== 'server') return undefined;
    return async (text, special) => {
      const reply = await requestJson(
        settings,
        replica.url,
        '/tokenize',
        { content: text, add_special: false, parse_special: special },
        tokenizeReplySchema,
        signal,
      );
      return reply.tokens;
    };
  }

  async function complete(
    replica: Replica,
    prompt: string | number[],
    maxTokens: number,
    signal: AbortSignal,
  ) {
    const body: CompletionRequestBody = {
      model: parsed.model,
      prompt,
      max_tokens: maxTokens,
      temperature: 0,
      logprobs: topLogprobs,
      stream: false,
      add_special_tokens: false,
    };
    totals.requests++;
    return requestJson(settings, replica.url, '/v1/completions', body, completionReplySchema, signal);
  }

  function usageOf(replies: readonly CompletionReply[], prompt: string | number[]): Usage {
    const usage: Usage = { promptTokens: 0, evaluatedTokens: 0, cachedTokens: 0 };
    replies.forEach((reply, index) => {
      const promptTokens = reply.usage?.prompt_tokens ?? (typeof prompt === 'string' ? 0 : prompt.length);
      const cached = reply.usage?.prompt_tokens_details?.cached_tokens ?? 0;
      if (index === 0) {
        usage.promptTokens = promptTokens;
        usage.cachedTokens = cached;
      }
      usage.evaluatedTokens += promptTokens - cached + (reply.usage?.completion_tokens ?? 0);
    });
    return usage;
  }

  /** The prompt followed by `unsafe\nS`: the next position is the category code's. */
  async function completeCodeLine(
    replica: Replica,
    prompt: string | number[],
    tokenize: Tokenize | undefined,
    signal: AbortSignal,
  ) {
    return complete(replica, await encoding.withCodeLine(prompt, tokenize), 2 * maxCodes, signal);
  }

  /**
   * The text-only fallback (the server sent no logprobs): the one place an answer's text is
   * parsed. An `unsafe` that names no code gets its code line forced, as with logprobs.
   */
  async function scoreFromText(
    replica: Replica,
    first: CompletionReply,
    prompt: string | number[],
    tokenize: Tokenize | undefined,
    signal: AbortSignal,
  ): Promise<ScoreResult> {
    totals.textOnlyScores++;
    const raw = (first.choices[0]?.text ?? '').trim();
    const answer = parseAnswer(raw);
    if (!answer.unsafe || answer.codes.length > 0) {
      const usage = usageOf([first], prompt);
      return { unsafeProbability: null, probabilitySource: 'text', codes: answer.codes, raw, usage };
    }
    const forced = await completeCodeLine(replica, prompt, tokenize, signal);
    const forcedText = forced.choices[0]?.text ?? '';
    const { codes } = parseAnswer(`unsafe\nS${forcedText}`);
    if (codes.length === 0) {
      throw new VigilModelOutputError(
        `model output: replica ${replica.url}: expected a category code after "unsafe\\nS", received ${JSON.stringify(forcedText)}`,
        forcedText,
      );
    }
    const usage = usageOf([first, forced], prompt);
    return { unsafeProbability: null, probabilitySource: 'text', codes, raw: answerText(codes), usage };
  }

  async function attempt(replica: Replica, request: ScoreRequest, signal: AbortSignal): Promise<ScoreResult> {
    const tokenize = tokenizerFor(replica, signal);
    const prompt = await encoding.encode(request.segments, tokenize);
    if (typeof prompt !== 'string' && prompt.length + answerTokens > contextSize) {
      throw new VigilInputError(
        `classify: the conversation is too long: the prompt takes ${prompt.length} tokens and the server's context holds ${contextSize} (${answerTokens} kept for the answer); send fewer turns`,
      );
    }
    const first = await complete(replica, prompt, answerTokens, signal);
    const steps = answerSteps(first);
    if (!steps) return scoreFromText(replica, first, prompt, tokenize, signal);
    const text = first.choices[0]?.text ?? '';
    const answer = skipLeadingWhitespace(steps);
    const score = verdictScore(answer[0]?.top ?? []);
    if (!score) {
      throw new VigilModelOutputError(
        `model output: replica ${replica.url}: expected 'safe' or 'unsafe' among the ${topLogprobs} most likely first tokens, received ${JSON.stringify(answer[0]?.top.map((c) => c.token) ?? [])}`,
        text,
      );
    }
    if (score.source === 'bounded') totals.boundedScores++;
    const base = { unsafeProbability: score.value, probabilitySource: score.source };
    // Whether to decode codes, not whether the verdict is unsafe (see `ScoreRequest.threshold`).
    if (score.value < request.threshold) {
      return { ...base, codes: [], raw: answerText([]), usage: usageOf([first], prompt) };
    }
    const replies = [first];
    let codeSteps: readonly AnswerStep[] | undefined = startsWithUnsafeCodeLine(answer)
      ? answer.slice(3)
      : undefined;
    let decoded = codeSteps && decodeCodes(codeSteps, request.knownCodes, maxCodes);
    if (!decoded) {
      // The model's own answer did not name a known code (below its 0.5 point, or off format):
      // force `unsafe\nS` as the local engine does and read the code position.
      const forced = await completeCodeLine(replica, prompt, tokenize, signal);
      replies.push(forced);
      codeSteps = answerSteps(forced);
      decoded = codeSteps && decodeCodes(codeSteps, request.knownCodes, maxCodes);
      if (!decoded) {
        throw new VigilModelOutputError(
          `model output: replica ${replica.url}: expected a known category code after "unsafe\\nS", received ${JSON.stringify(forced.choices[0]?.text ?? '')}`,
          forced.choices[0]?.text ?? '',
        );
      }
    }
    return {
      ...base,
      codes: decoded.codes,
      raw: answerText(decoded.codes),
      categoryProbabilities: request.includeCategoryProbabilities
        ? codeProbabilities(decoded.firstTop, request.knownCodes)
        : undefined,
      usage: usageOf(replies, prompt),
    };
  }

  async function score(request: ScoreRequest): Promise<ScoreResult> {
    if (disposed) throw new VigilDisposedError('remote engine: the engine was disposed');
    const signal = request.signal ? AbortSignal.any([request.signal, disposer.signal]) : disposer.signal;
    const failures: AttemptFailure[] = [];
    const tried = new Set<Replica>();
    for (let retry = 0; ; retry++) {
      let replica: Replica;
      try {
        replica = await pool.acquire(signal, tried);
      } catch (error) {
        if (signal.aborted) throw new VigilAbortError('classify: aborted', { cause: signal.reason });
        throw failures.length > 0 ? combinedError(failures, error) : error;
      }
      try {
        const result = await attempt(replica, request, signal);
        pool.release(replica, 'success');
        totals.calls++;
        totals.promptTokens += result.usage.promptTokens;
        totals.evaluatedTokens += result.usage.evaluatedTokens;
        totals.cachedTokens += result.usage.cachedTokens;
        return result;
      } catch (error) {
        if (!(error instanceof AttemptFailure)) {
          pool.release(replica, 'neutral');
          if (signal.aborted && !request.signal?.aborted) {
            throw new VigilDisposedError('remote engine: the engine was disposed', { cause: error });
          }
          throw error;
        }
        pool.release(replica, error.countsAsFailure ? 'failure' : 'neutral', error.message);
        totals.failedAttempts++;
        failures.push(error);
        tried.add(replica);
        if (!error.retryable || retry >= maxRetries) throw combinedError(failures, error);
        totals.retries++;
        await sleep(backoffDelay(retry, error.retryAfterMs), signal);
      }
    }
  }

  return {
    model: info,
    promptFormat: encoding.format,
    tokenSource,
    score,
    stats: () => ({
      ...totals,
      replicas: pool.replicas.length,
      healthyReplicas: pool.healthy,
      outstanding: pool.replicas.reduce((sum, replica) => sum + replica.outstanding, 0),
      waiting: pool.waiting,
    }),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };

  async function dispose() {
    if (disposed) return;
    disposed = true;
    pool.close();
    disposer.abort(new VigilDisposedError('remote engine: the engine was disposed'));
  }
}
