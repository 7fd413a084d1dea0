// @vigil/engine-transformers: Llama Guard through Transformers.js, for `createGuard({ engine })`.
import type { GuardEngine } from '@vigil/guard-core';
import { VigilConfigError } from '@vigil/guard-core';
import { type TransformersEngineOptions, transformersEngineOptionsSchema } from './options.js';
import { openTransformersEngine } from './transformers-engine.js';

export type { LoadProgress, TransformersDevice, TransformersEngineOptions } from './options.js';

/**
 * Creates an engine that runs Llama Guard 3 through Transformers.js (ONNX Runtime): in browsers
 * and workers on WebGPU or WASM, on edge runtimes, and in Node on the CPU, with no native addon of
 * Vigil's own. It gives the local engine's verdicts: P(unsafe) from the first answer token, codes
 * by constrained greedy steps, the policy prefix's KV cache reused. `@huggingface/transformers` is
 * a peer dependency.
 * @example
 * const engine = await createTransformersEngine({ model: 'onnx-community/Llama-Guard-3-1B', dtype: 'q4f16' });
 * const guard = await createGuard({ engine });
 * const verdict = await guard.classify('How do I pick a lock?');
 */
export async function createTransformersEngine(options: TransformersEngineOptions): Promise<GuardEngine> {
  const parsed = transformersEngineOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['createTransformersEngine options', ...(issue?.path ?? []).map(String)].join('.');
    throw new VigilConfigError(`${path}: ${issue?.message ?? 'invalid'}`);
  }
  return openTransformersEngine(parsed.data);
}
