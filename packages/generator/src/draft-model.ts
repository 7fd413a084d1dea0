import path from 'node:path';
import { type DownloadProgress, VigilConfigError } from '@vigil/guard-core';
import { openModel, resolveModel } from '@vigil/guard-core/internal';
import type { Llama, LlamaContextSequence, Token, TokenPredictor } from 'node-llama-cpp';
import { vocabularyMismatch, vocabularyOf } from './draft-vocabulary.js';
import type { DraftOption } from './generator-options.js';
import type { DraftUsage } from './types.js';

/** How the chat model's sequences get their token predictor, and what it holds. */
export interface Drafting {
  /** The draft model's name (file name without `.gguf`), or `'lookup'`. */
  name: string;
  /** A new predictor for one chat sequence (each sequence needs its own). */
  predictor(): TokenPredictor;
  memory(): { modelBytes: number; contextBytes: number } | undefined;
  dispose(): Promise<void>;
}

/** A draft model whose file is present and whose tokenizer matches the chat model's, not loaded yet. */
export interface CheckedDraft {
  load(runtime: { llama: Llama; contextSize: number; sequences: number; threads: number }): Promise<Drafting>;
}

/**
 * Resolves the draft model's file (downloading it like the chat model) and checks, from both
 * files' GGUF headers and before either model is loaded, that it can draft for the chat model.
 * Refuses with a `VigilConfigError` naming both models.
 */
export async function checkDraft(
  option: Exclude<DraftOption, false>,
  target: { model: string; path: string },
  files: {
    modelsDir?: string | undefined;
    onDownloadProgress?: ((progress: DownloadProgress) => void) | undefined;
  },
): Promise<CheckedDraft> {
  const nlc = await import('node-llama-cpp');
  if (option === 'lookup') {
    return {
      load: async () => ({
        name: 'lookup',
        predictor: () => oneGuessPerDecode(nlc, new nlc.InputLookupTokenPredictor()),
        memory: () => undefined,
        dispose: async () => {},
      }),
    };
  }
  const draftPath = await resolveModel(option.model, {
    modelsDir: files.modelsDir,
    onDownloadProgress: files.onDownloadProgress,
    localHint:
      "pass a local GGUF file instead: createGenerator({ draft: { model: '/path/to/draft.gguf' } }), or draft: false",
  });
  const header = (file: string) => nlc.readGgufFileInfo(file, { readTensorInfo: false, logWarnings: false });
  const [targetInfo, draftInfo] = await Promise.all([header(target.path), header(draftPath)]);
  const mismatch = vocabularyMismatch(vocabularyOf(targetInfo.metadata), vocabularyOf(draftInfo.metadata));
  if (mismatch !== undefined) {
    throw new VigilConfigError(
      `draft model '${option.model}' cannot draft for generator model '${target.model}': they must share a tokenizer: ${mismatch}`,
    );
  }
  return {
    async load({ llama, contextSize, sequences, threads }) {
      const { model, context } = await openModel({
        llama,
        modelPath: draftPath,
        label: `draft model '${option.model}'`,
        context: { sequences, contextSize, threads },
      });
      const contextBytes = await model.fileInsights
        .estimateContextResourceRequirementsV2({
          contextSize: context.contextSize,
          sequences,
          modelGpuLayers: 0,
          batchSize: context.batchSize,
        })
        .then((estimate) => estimate.cpuRam)
        .catch(() => context.stateSize);
      let disposed = false;
      return {
        name: path.basename(draftPath).replace(/\.gguf$/i, ''),
        // The chat model waits for one guess per step (with none it would never wait, and a
        // draft no faster than the chat model would never get a guess in); the draft model runs
        // up to `tokens` ahead in the background.
        predictor: () =>
          oneGuessPerDecode(
            nlc,
            new nlc.DraftSequenceTokenPredictor(context.getSequence(), {
              minTokens: 1,
              maxTokens: option.tokens,
              minConfidence: option.minConfidence,
            }),
          ),
        memory: () => ({ modelBytes: model.size, contextBytes: disposed ? 0 : contextBytes }),
        async dispose() {
          if (disposed) return;
          disposed = true;
          await context.dispose();
          await model.dispose();
        },
      };
    },
  };
}

/**
 * Offers the chat model at most one guess per decode. node-llama-cpp 3.21.1 (and 3.22.1) checks
 * only the first guess of a decode: `LlamaContextSequence._speculativeEvaluate` never records a
 * validated guess, so it counts every later one refuted and erases it from the KV cache even when
 * it was right. With one guess a step, a right guess still yields two tokens per decode (the guess
 * and the token after it), nothing right is thrown away, and the counts say what the draft got
 * right. Raise the cap when node-llama-cpp validates longer runs.
 */
function oneGuessPerDecode(nlc: typeof import('node-llama-cpp'), inner: TokenPredictor): TokenPredictor {
  const first = (tokens: Token[]) => tokens.slice(0, 1);
  class OneGuess extends nlc.TokenPredictor {
    reset(params: Parameters<TokenPredictor['reset']>[0]) {
      return inner.reset(params);
    }
    pushTokens(tokens: Token[]) {
      inner.pushTokens(tokens);
    }
    predictTokens() {
      const guesses = inner.predictTokens();
      return guesses instanceof Promise ? guesses.then(first) : first(guesses);
    }
    override stop(untilPredictionsExhausted?: boolean) {
      return inner.stop(untilPredictionsExhausted);
    }
    override updateInputTokens(tokens: Token[]) {
      inner.updateInputTokens(tokens);
    }
    override dispose() {
      return inner.dispose();
    }
  }
  return new OneGuess();
}

/** This chat's share of a sequence's prediction counters (they only ever grow). */
export function draftUsageSince(
  sequence: Pick<LlamaContextSequence, 'tokenPredictions'>,
  before: LlamaContextSequence['tokenPredictions'],
): DraftUsage {
  const now = sequence.tokenPredictions;
  const accepted = now.validated - before.validated;
  const refuted = now.refuted - before.refuted;
  return { drafted: accepted + refuted, accepted, refuted };
}
