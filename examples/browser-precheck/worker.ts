// The guard, in a web worker: loads Llama Guard through Transformers.js and classifies the
// texts the page sends. Messages in: `{ type: 'load', model, device?, dtype? }`, then
// `{ type: 'classify', id, text }`. Messages out: `progress`, `ready`, `verdict`, `error`.
import { env } from '@huggingface/transformers';
import { createTransformersEngine, type TransformersDevice } from '@vigil/engine-transformers';
import { createGuard, type Guard } from '@vigil/guard-core';

interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: Incoming }) => void) | null;
  location: { origin: string };
}

type Incoming =
  | {
      type: 'load';
      model: string;
      device?: TransformersDevice;
      dtype?: 'fp32' | 'q4f16' | 'q8' | 'q4';
      /** Allow downloads from the Hugging Face Hub. */
      remote?: boolean;
    }
  | { type: 'classify'; id: number; text: string };

const scope = globalThis as unknown as WorkerScope;
// Model files: the origin's /models/ folder first; a Hugging Face id downloads only when the load
// message allows it, else a missing file fails at once.
env.allowLocalModels = true;
env.localModelPath = '/models/';
env.useBrowserCache = false;
const onnx = env.backends.onnx as { wasm?: { wasmPaths?: string } };
if (onnx.wasm) onnx.wasm.wasmPaths = `${scope.location.origin}/ort/`;

let guard: Promise<Guard> | undefined;

async function load(message: Extract<Incoming, { type: 'load' }>) {
  env.allowRemoteModels = message.remote === true;
  const started = performance.now();
  const engine = await createTransformersEngine({
    model: message.model,
    device: message.device,
    dtype: message.dtype,
    onProgress: (progress) => scope.postMessage({ type: 'progress', ...progress }),
  });
  const created = await createGuard({ engine, verdictCacheSize: 0 });
  scope.postMessage({
    type: 'ready',
    loadMs: Math.round(performance.now() - started),
    model: engine.model.id,
  });
  return created;
}

scope.onmessage = ({ data }) => {
  if (data.type === 'load') {
    guard = load(data);
    guard.catch((error: Error) => scope.postMessage({ type: 'error', message: error.message }));
    return;
  }
  const started = performance.now();
  (guard ?? Promise.reject(new Error('classify before load')))
    .then((loaded) => loaded.classify(data.text))
    .then((verdict) =>
      scope.postMessage({
        type: 'verdict',
        id: data.id,
        verdict,
        ms: Math.round(performance.now() - started),
      }),
    )
    .catch((error: Error) => scope.postMessage({ type: 'error', id: data.id, message: error.message }));
};
