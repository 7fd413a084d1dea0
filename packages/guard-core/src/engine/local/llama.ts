import os from 'node:os';
import type { Llama } from 'node-llama-cpp';
import { VigilModelError } from '../../errors.js';
import type { GpuOption } from './runtime-options.js';

const runtimes = new Map<string, Promise<Llama>>();
let first: Promise<Llama> | undefined;

/**
 * The process's llama.cpp runtime, shared by the guard and the generator: prebuilt binaries only
 * (never a build or a download at run time), warnings and errors logged. `gpu` picks the backend;
 * without it, the runtime already loaded (else `'auto'`). `'auto'` asks node-llama-cpp which GPU
 * backends have their drivers here first, so a machine without one loads the CPU binary directly,
 * as fast as `false` and without trying (or printing about) GPU binaries.
 */
export function getSharedLlama(gpu?: GpuOption): Promise<Llama> {
  if (gpu === undefined) return first ?? getSharedLlama('auto');
  const key = String(gpu);
  let found = runtimes.get(key);
  if (!found) {
    found = loadRuntime(gpu);
    runtimes.set(key, found);
    found.catch(() => runtimes.delete(key));
    first ??= found;
  }
  return found;
}

async function loadRuntime(gpu: GpuOption): Promise<Llama> {
  const { getLlama, getLlamaGpuTypes, LlamaLogLevel } = await import('./nlc.js');
  let wanted = gpu;
  if (gpu === 'auto') {
    const usable = (await getLlamaGpuTypes('supported')).filter((type) => type !== false);
    if (usable.length === 0) wanted = false;
    // One CPU runtime per process: 'auto' that lands on the CPU is the same runtime as `false`.
    if (wanted === false) return getSharedLlama(false);
  }
  const options = {
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    maxThreads: os.availableParallelism(),
    logLevel: LlamaLogLevel.error,
  } as const;
  try {
    return await getLlama({ ...options, gpu: wanted });
  } catch (error) {
    if (gpu === 'auto') return getSharedLlama(false);
    throw new VigilModelError(
      `gpu: cannot load llama.cpp's ${gpu === false ? 'CPU' : gpu} backend: expected a prebuilt binary that runs on this machine, received ${(error as Error).name}: ${(error as Error).message}; use gpu: 'auto' or false`,
      { cause: error },
    );
  }
}

/** The backend a runtime uses: `'cpu'`, `'cuda'`, `'vulkan'` or `'metal'`. */
export function backendOf(llama: Llama): 'cpu' | 'cuda' | 'vulkan' | 'metal' {
  return llama.gpu === false ? 'cpu' : llama.gpu;
}

/**
 * Threads to use: the option, else the physical cores llama.cpp reports. node-llama-cpp's own
 * default (at least 4) slows decoding up to tenfold on a 2-core machine.
 */
export function resolveThreads(llama: Llama, threads: number | undefined) {
  return threads ?? Math.max(1, llama.cpuMathCores);
}
