// The interleaved workload of issue 13: C live conversations of T turns (~60 words, user and
// assistant alternating, as a middleware checks requests and responses), checked after every
// turn in round-robin order, with more conversations than sequences; once with the
// conversation-state cache off (the engine as it was: only what a sequence still holds is
// reused) and once on, on the same model in the same run.
import { createGuard, createLocalEngine, type GuardEngine, type Message } from '@vigil/guard-core';
import { createPromptRenderer, normalizeConversation } from '../../packages/guard-core/src/internal/index.js';
import { percentile, round, textOfTokens } from './workload.js';

export interface InterleavedOptions {
  modelPath: string;
  threads: number | undefined;
  conversations: number;
  turns: number;
  /** Words per turn. */
  words?: number;
  log: (line: string) => void;
}

const turnOf = (conversation: number, turn: number, words: number): Message => ({
  role: turn % 2 === 0 ? 'user' : 'assistant',
  content: textOfTokens(words, 10_000 + 100 * conversation + turn),
});

/** Sums of the floors over every check, from the prompt's own token counts. */
async function floors(engine: GuardEngine, options: InterleavedOptions) {
  const guard = await createGuard({ engine, verifyModel: false });
  const renderer = createPromptRenderer(engine.model.chatTemplate);
  const count = async (segments: { prefix: string; conversation: string; tail: string }) =>
    (await engine.tokenizer?.promptTokens(segments)) ?? 0;
  let minimal = 0;
  let sameRole = 0;
  for (let conversation = 0; conversation < options.conversations; conversation++) {
    const history: number[] = [];
    for (let turn = 0; turn < options.turns; turn++) {
      const messages = Array.from({ length: turn + 1 }, (_, index) =>
        turnOf(conversation, index, options.words ?? 60),
      );
      const segments = renderer.segments(guard.policy, normalizeConversation(messages));
      const tail = await count({ prefix: '', conversation: '', tail: segments.tail });
      const tokens = await count({ prefix: '', conversation: segments.conversation, tail: '' });
      history.push(tokens);
      // The brief's floor: the new turn plus the fixed tail. A prefix cache can reach it only
      // from the state of the same role's prompt (roles differ in the policy prefix): that is
      // the turns since this role's last check plus the tail.
      minimal += tokens - (history.at(-2) ?? 0) + tail;
      sameRole += tokens - (history.at(-3) ?? 0) + tail;
    }
  }
  return { minimal, sameRole };
}

async function runMode(options: InterleavedOptions, stateCacheBytes: number | undefined) {
  const engine = await createLocalEngine({
    model: options.modelPath,
    threads: options.threads,
    stateCacheBytes,
  });
  // Threshold 1: every check costs one forward step after its prompt, safe or not.
  const guard = await createGuard({ engine, threshold: 1, verdictCacheSize: 0 });
  // Warm-up: both roles' policy prefixes in the sequences, as in steady traffic.
  await guard.classify(textOfTokens(10, 1));
  await guard.classify([
    { role: 'user', content: textOfTokens(10, 2) },
    { role: 'assistant', content: textOfTokens(10, 3) },
  ]);
  const before = engine.stats?.() ?? {};
  const latencies: number[] = [];
  let evaluated = 0;
  let prompt = 0;
  const started = performance.now();
  for (let turn = 0; turn < options.turns; turn++) {
    for (let conversation = 0; conversation < options.conversations; conversation++) {
      const messages = Array.from({ length: turn + 1 }, (_, index) =>
        turnOf(conversation, index, options.words ?? 60),
      );
      const verdict = await guard.classify(messages);
      latencies.push(verdict.durationMs);
      evaluated += verdict.usage.evaluatedTokens;
      prompt += verdict.usage.promptTokens;
    }
  }
  const wallMs = performance.now() - started;
  const after = engine.stats?.() ?? {};
  const delta = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
  const saves = delta('stateSaves');
  const result = {
    tokens_evaluated: evaluated,
    prompt_tokens: prompt,
    wall_ms: round(wallMs, 0),
    p50_ms_per_check: round(percentile(latencies, 50), 1),
    p95_ms_per_check: round(percentile(latencies, 95), 1),
    ...(stateCacheBytes === 0
      ? {}
      : {
          state_cache: {
            budget_mb: round((after.stateCacheBudget ?? 0) / 2 ** 20, 1),
            saves,
            save_failures: delta('stateSaveFailures'),
            save_ms_total: delta('stateSaveMs'),
            save_ms_mean: saves > 0 ? round(delta('stateSaveMs') / saves, 2) : 0,
            restores: delta('stateRestores'),
            restore_ms_total: delta('stateRestoreMs'),
            restored_tokens: delta('stateRestoredTokens'),
            evictions: delta('stateEvictions'),
            bytes_at_end_mb: round((after.stateCacheBytes ?? 0) / 2 ** 20, 1),
            entries_at_end: after.stateCacheEntries ?? 0,
          },
        }),
  };
  const counts = await floors(engine, options);
  await engine.dispose();
  return { result, counts };
}

/** Runs the workload with the state cache off, then on; prints nothing, returns the figures. */
export async function runInterleaved(options: InterleavedOptions) {
  const name = `${options.conversations}x${options.turns}`;
  options.log(`interleaved ${name}: state cache off`);
  const off = await runMode(options, 0);
  options.log(`interleaved ${name}: state cache on`);
  const on = await runMode(options, undefined);
  const { minimal, sameRole } = on.counts;
  const ratios = (mode: typeof off.result) => ({
    ratio_to_minimal: round(mode.tokens_evaluated / minimal),
    ratio_to_same_role_floor: round(mode.tokens_evaluated / sameRole),
  });
  return {
    conversations: options.conversations,
    turns: options.turns,
    words_per_turn: options.words ?? 60,
    checks: options.conversations * options.turns,
    sequences: 4,
    minimal_tokens_new_turn_plus_tail: minimal,
    floor_tokens_same_role: sameRole,
    state_cache_off: { ...off.result, ...ratios(off.result) },
    state_cache_on: { ...on.result, ...ratios(on.result) },
    tokens_ratio_on_vs_off: round(on.result.tokens_evaluated / off.result.tokens_evaluated),
    wall_time_reduction: round(1 - on.result.wall_ms / off.result.wall_ms),
  };
}
