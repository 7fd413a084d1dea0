import type { ResolvedLocalEngineOptions } from '../../engine/local/runtime-options.js';
import type { GuardEngine } from '../../engine/types.js';
import { VigilConfigError } from '../../errors.js';

/** The local engine needs Node (node-llama-cpp is a native addon): here it fails, naming the way out. */
export async function loadLocalEngine(options: ResolvedLocalEngineOptions): Promise<GuardEngine> {
  throw new VigilConfigError(
    `model '${options.model}': the local engine runs in Node only; in a browser or an edge runtime pass engine: a remote engine or createTransformersEngine(...) from @vigil/engine-transformers`,
  );
}
