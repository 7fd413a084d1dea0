import os from 'node:os';
import type { Llama } from 'node-llama-cpp';

let shared: Promise<Llama> | undefined;

/**
 * The process's one llama.cpp runtime, shared by the guard and the generator: CPU, prebuilt
 * binaries only (never a build or a download at run time), warnings and errors logged.
 */
export function getSharedLlama(): Promise<Llama> {
  shared ??= import('./nlc.js').then(({ getLlama, LlamaLogLevel }) =>
    getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      maxThreads: os.availableParallelism(),
      logLevel: LlamaLogLevel.error,
    }),
  );
  return shared;
}

/**
 * Threads to use: the option, else the physical cores llama.cpp reports. node-llama-cpp's own
 * default (at least 4) slows decoding up to tenfold on a 2-core machine.
 */
export function resolveThreads(llama: Llama, threads: number | undefined) {
  return threads ?? Math.max(1, llama.cpuMathCores);
}
