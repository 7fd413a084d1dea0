import { parseOrThrow } from '@vigil/guard-core/internal';
import { generatorOptionsSchema } from './generator-options.js';
import { createGuardedChat, defaultRefusal } from './guarded-chat.js';
import { createLocalBackend } from './local-backend.js';
import type { Generator, GeneratorOptions } from './types.js';

/** Llama 3.2 3B Instruct, Q4_K_M (2.02 GB): the default chat model, downloaded on first use. */
export const defaultGeneratorModel =
  'hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf';

/**
 * Creates a guarded chat generator: loads the chat model once on the process's shared llama.cpp
 * runtime (the guard's), then answers conversations with the input checked before generation
 * and the output checked while it streams.
 * @example
 * const guard = await createGuard();
 * const generator = await createGenerator({ guard });
 * const result = await generator.chat([{ role: 'user', content: 'Write a haiku about rain.' }]);
 * console.log(result.message.content, result.finishReason, result.verdicts.output?.safe);
 */
export async function createGenerator(options: GeneratorOptions): Promise<Generator> {
  const parsed = parseOrThrow(generatorOptionsSchema, options, 'createGenerator options');
  const backend = await createLocalBackend({
    model: parsed.model ?? process.env.VIGIL_GENERATOR_MODEL ?? defaultGeneratorModel,
    modelsDir: parsed.modelsDir,
    onDownloadProgress: parsed.onDownloadProgress,
    threads: parsed.threads,
    contextSize: parsed.contextSize ?? 4096,
    concurrency: parsed.concurrency ?? 1,
  });
  return createGuardedChat({
    backend,
    guard: options.guard,
    mode: parsed.mode ?? 'block',
    refusal: parsed.refusal ?? defaultRefusal,
    checkEvery: parsed.checkEvery,
    onVerdict: parsed.onVerdict,
    maxQueue: parsed.maxQueue ?? 16,
    defaults: {
      maxTokens: parsed.maxTokens ?? 1024,
      temperature: parsed.temperature ?? 0.6,
      topP: parsed.topP ?? 0.9,
    },
  });
}
