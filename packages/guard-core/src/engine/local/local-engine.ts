import type { Token } from 'node-llama-cpp';
import { VigilDisposedError, VigilInputError } from '../../errors.js';
import type { PromptSegments } from '../../prompt/segments.js';
import type { GuardEngine, ScoreRequest, ScoreResult } from '../types.js';
import { CallTotals, engineMemory, stateStats } from './engine-stats.js';
import { type OpenedEngine, openEngine } from './open-engine.js';
import type { ResolvedLocalEngineOptions } from './runtime-options.js';
import { answerRoom, type Slot, slotOf, throwIfAborted } from './slot-scorer.js';

/**
 * The in-process engine: Llama Guard through node-llama-cpp, one model and one context with a
 * pool of sequences (opened by `openEngine`, scored by `SlotScorer`). A call takes the sequence
 * that holds most of its prompt (restoring a saved state of its conversation when there is one),
 * or the long context when the prompt is longer than a sequence holds.
 */
export async function loadLocalEngine(options: ResolvedLocalEngineOptions): Promise<GuardEngine> {
  const opened = await openEngine(options);
  const { info, long, pool, states, prompts, scorer } = opened;
  const totals = new CallTotals();
  let disposed = false;
  const throwIfDisposed = () => {
    if (disposed) throw new VigilDisposedError('local engine: the engine was disposed');
  };

  async function score(request: ScoreRequest): Promise<ScoreResult> {
    throwIfDisposed();
    const { prefixTokens, tokens, conversationEnd } = await prompts.of(request.segments);
    if (tokens.length + answerRoom > info.contextSize) {
      if (!long || tokens.length > info.maxPromptTokens) throw tooLong(tokens.length, opened, options);
      throwIfAborted(request.signal);
      return long.run(tokens.length + answerRoom, (sequence) => scoreOn(slotOf(sequence), tokens, request));
    }
    const slot = await pool.acquire(tokens, prefixTokens.length, request.signal);
    try {
      // A save of the conversation this sequence held last may still be running.
      await states?.settled(slot.sequence);
      await states?.restore(slot.sequence, tokens);
      const result = await scoreOn(slot, tokens, request);
      // The verdict goes out now; the state is saved in the background.
      if (states?.worthSaving(slot.sequence, conversationEnd, prefixTokens.length)) {
        states.saveInBackground(slot.sequence, conversationEnd);
      }
      return result;
    } finally {
      pool.release(slot);
    }
  }

  async function scoreOn(slot: Slot, tokens: Token[], request: ScoreRequest) {
    const result = await scorer.score(slot, tokens, request);
    totals.add(result.usage);
    return result;
  }

  async function verdictMass(segments: PromptSegments) {
    throwIfDisposed();
    const { prefixTokens, tokens } = await prompts.of(segments);
    const slot = await pool.acquire(tokens, prefixTokens.length);
    try {
      return await scorer.verdictMass(slot, tokens);
    } finally {
      pool.release(slot);
    }
  }

  async function dispose() {
    if (disposed) return;
    disposed = true;
    pool.close();
    await states?.dispose();
    await long?.dispose();
    await opened.context.dispose();
    await opened.model.dispose();
  }

  return {
    model: info,
    score,
    verdictMass,
    memory: () => engineMemory(opened),
    tokenizer: prompts.tokenizer,
    stats: () => ({
      ...totals.snapshot(),
      modelBytes: opened.model.size,
      sequences: opened.slots.length,
      freeSequences: pool.free,
      waiting: pool.waiting,
      ...(states ? stateStats(states) : {}),
    }),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

function tooLong(promptTokens: number, { info, long }: OpenedEngine, options: ResolvedLocalEngineOptions) {
  return new VigilInputError(
    `classify: the conversation is too long: the prompt takes ${promptTokens} tokens and the longest context is ${long?.limit ?? info.contextSize} (${answerRoom} kept for the answer; contextSize ${info.contextSize}, maxContextSize ${options.maxContextSize}, trained context ${info.trainedContextSize ?? 'unknown'}); raise maxContextSize, send fewer turns, or use longConversation: 'truncate'`,
  );
}
