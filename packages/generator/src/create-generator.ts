import { parseOrThrow } from '@vigil/guard-core/internal';
import {
  defaultDraftModel,
  defaultGeneratorModel,
  type GeneratorOptions,
  generatorOptionsSchema,
} from './generator-options.js';
import { createGuardedChat } from './guarded-chat.js';
import { createLocalBackend } from './local-backend.js';
import type { Generator } from './types.js';

export { defaultDraftModel, defaultGeneratorModel };

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
  const backend = await createLocalBackend(parsed);
  return createGuardedChat({
    backend,
    guard: parsed.guard,
    mode: parsed.mode,
    refusal: parsed.refusal,
    checkEvery: parsed.checkEvery,
    onVerdict: parsed.onVerdict,
    maxQueue: parsed.maxQueue,
    defaults: { maxTokens: parsed.maxTokens, temperature: parsed.temperature, topP: parsed.topP },
  });
}
