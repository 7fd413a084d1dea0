import { VigilConfigError, VigilDisposedError } from '../../errors.js';
import { parseOrThrow } from '../../validation.js';
import type { EngineModelInfo, GuardEngine, ScoreRequest, ScoreResult } from '../types.js';
import type { HttpSettings } from './http-attempt.js';
import { probeServer } from './probe-server.js';
import { PromptEncoding } from './prompt-encoding.js';
import { type AttemptContext, scoreAttempt } from './remote-attempt.js';
import { type RemoteEngineOptions, remoteEngineOptionsSchema } from './remote-options.js';
import { emptyTotals, remoteStats } from './remote-stats.js';
import { ReplicaPool } from './replica-pool.js';
import { scoreOnReplicas } from './replica-retries.js';

/** When the server does not say its context size. */
const defaultContextSize = 8192;

/** A `GuardEngine` over OpenAI-compatible servers; `stats()` adds request and replica counters. */
export interface RemoteEngine extends GuardEngine {
  /** How prompts travel: `tokens` (ids from a local tokenizer or the server's `/tokenize`) or `text`. */
  readonly promptFormat: 'tokens' | 'text';
  /** Where token ids come from, when `promptFormat` is `tokens`. */
  readonly tokenSource: 'local' | 'server' | undefined;
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
  const disposer = new AbortController();
  const totals = emptyTotals();
  const attempts: AttemptContext = {
    settings,
    model: parsed.model,
    topLogprobs: parsed.topLogprobs,
    encoding,
    contextSize,
    localTokenizer: parsed.tokenizer,
    tokenSource,
    totals,
  };
  let disposed = false;

  const info: EngineModelInfo = {
    id: `remote:${parsed.model}@${pool.replicas.map((r) => r.url).join(',')}`,
    chatTemplate: parsed.chatTemplate ?? probe.chatTemplate,
    contextSize,
  };

  async function score(request: ScoreRequest): Promise<ScoreResult> {
    if (disposed) throw new VigilDisposedError('remote engine: the engine was disposed');
    const signal = request.signal ? AbortSignal.any([request.signal, disposer.signal]) : disposer.signal;
    return scoreOnReplicas({ pool, maxRetries: parsed.maxRetries, totals }, request, signal, (replica) =>
      scoreAttempt(attempts, replica, request, signal),
    );
  }

  return {
    model: info,
    promptFormat: encoding.format,
    tokenSource,
    score,
    stats: () => remoteStats(totals, pool),
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
