// The one place that imports node-llama-cpp, loaded lazily so that code paths without a local
// model (scripted or remote engines, the CLI's --help) never pay for the native addon.
import os from 'node:os';
import path from 'node:path';

export {
  getLlama,
  getLlamaGpuTypes,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  resolveModelFile,
  type Token,
  TokenBias,
} from 'node-llama-cpp';

/** node-llama-cpp's default models directory. */
export function getModelsDirectory() {
  return path.join(os.homedir(), '.node-llama-cpp', 'models');
}
