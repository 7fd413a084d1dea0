import { z } from 'zod';

/** Where the model runs: `'webgpu'` and `'wasm'` in browsers and workers, `'cpu'` (ONNX Runtime's native CPU provider) in Node. */
export type TransformersDevice = 'wasm' | 'webgpu' | 'cpu';

/** One step of loading the model files (a download, or a read from the local folder or cache). */
export interface LoadProgress {
  /** The file, as named in the model repository (`onnx/model_q4f16.onnx`). */
  file: string;
  /** Bytes loaded so far. */
  loaded: number;
  /** Bytes in the file; 0 while unknown. */
  total: number;
  /** `true` once the file is loaded. */
  done: boolean;
}

const functionOption = <F>() => z.custom<F>((value) => typeof value === 'function', 'expected a function');

// Annotated with the shape it is made of: the emitted `.d.ts` then keeps each option's doc comment.
export const transformersEngineOptionsShape = {
  /**
   * The model: a Hugging Face id (`onnx-community/Llama-Guard-3-1B`) or a local folder in the
   * Hugging Face layout (`config.json`, the tokenizer files and `onnx/model*.onnx`). Set
   * Transformers.js's `env.allowRemoteModels = false` to forbid downloads. Required.
   */
  model: z.string().min(1),
  /**
   * The weights to load (`onnx/model_<dtype>.onnx`): `'q4f16'` for WebGPU with `shader-f16`,
   * `'q8'` or `'q4'` for WASM and the CPU, `'fp32'` for `onnx/model.onnx`. Defaults to the model
   * folder's `transformers.js_config.dtype`, else Transformers.js's default for the device.
   */
  dtype: z.enum(['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16']).optional(),
  /**
   * Where the model runs. Defaults to `'cpu'` in Node, else `'webgpu'` where the runtime has
   * `navigator.gpu`, else `'wasm'`.
   */
  device: z.enum(['wasm', 'webgpu', 'cpu']).optional(),
  /**
   * The longest prompt, in tokens, the answer included (at most the model's trained context): a
   * longer conversation is truncated or judged in windows, as `createGuard`'s `longConversation`
   * says. Prompts run in chunks of 256 tokens, so memory grows with this only through the KV
   * cache. Defaults to `8192`.
   */
  contextSize: z.number().int().min(256).default(8192),
  /** Called while the model files download or load (Transformers.js's progress callback, per file). Defaults to none. */
  onProgress: functionOption<(progress: LoadProgress) => void>().optional(),
};

export const transformersEngineOptionsSchema: z.ZodObject<
  typeof transformersEngineOptionsShape,
  z.core.$strict
> = z.strictObject(transformersEngineOptionsShape);

/** Options of `createTransformersEngine`. */
export type TransformersEngineOptions = z.input<typeof transformersEngineOptionsSchema>;

/** The best device here: the CPU provider in Node, WebGPU where the runtime has it, else WASM. */
export function defaultDevice(): TransformersDevice {
  const scope = globalThis as { process?: { versions?: { node?: string } }; navigator?: { gpu?: unknown } };
  if (scope.process?.versions?.node) return 'cpu';
  return scope.navigator?.gpu ? 'webgpu' : 'wasm';
}
