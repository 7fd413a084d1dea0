import { createStreamSession, type StreamSession } from '@vigil/guard-core/internal';
import type { StreamSettings } from './options.js';

/**
 * The guard-core stream session for the middleware's stream settings (the SSE moderator's and
 * the AI SDK middleware's): `checkTokens` checks at sentence ends too, `categories` narrow every
 * check. guard-core decides what the mode, fail mode and strategy come to.
 */
export function streamSession(settings: StreamSettings): StreamSession {
  return createStreamSession({
    guard: settings.guard,
    conversation: settings.conversation,
    mode: settings.mode,
    strategy: settings.strategy,
    checkEvery: { tokens: settings.checkTokens, sentence: true },
    classifyOptions: settings.categories ? { categories: settings.categories } : {},
    timeoutMs: settings.timeoutMs,
    failMode: settings.failMode,
    signal: settings.signal,
  });
}
