import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createGuard, defaultGuardModel, type Guard, type GuardOptions } from '@vigil/guard-core';
import { resolveModel } from '@vigil/guard-core/internal';
import type { CommandContext } from '../context/cli-context.js';
import { interruptibleLoad } from '../context/interruptible-load.js';
import { createDownloadBar } from '../output/download-bar.js';
import { createLoadDisplay } from '../output/load-display.js';
import { formatBytes } from '../output/progress.js';

/**
 * Creates the guard for a command: the context's engine, the remote engine, or the local model
 * (downloaded first with a progress bar). Says on stderr at once what it loads (the file's name
 * and size) and keeps the elapsed time visible; a SIGINT, SIGTERM or SIGHUP during the load stops
 * it (see `interruptibleLoad`). With `verbose`, says which model runs where.
 * @throws LoadInterruptedError when a signal came during the load.
 */
export async function openGuard(
  context: CommandContext,
  options: GuardOptions,
  { verbose = false }: { verbose?: boolean | undefined } = {},
): Promise<Guard> {
  const guard = await interruptibleLoad(
    context,
    (signal) => createGuardFor(context, options, signal),
    (loaded) => loaded.dispose(),
  );
  if (verbose) context.stderr.write(`vigil: ${describeGuard(guard)}\n`);
  return guard;
}

async function createGuardFor(context: CommandContext, options: GuardOptions, signal: AbortSignal) {
  if (context.engine) {
    const loading = typeof (context.engine as PromiseLike<unknown>).then === 'function';
    const display = loading ? createLoadDisplay(context.stderr, 'engine') : undefined;
    try {
      const guard = await createGuard({ ...options, model: undefined, engine: await context.engine });
      display?.done(true);
      return guard;
    } finally {
      display?.done(false);
    }
  }
  if (options.engine) return createGuard(options);
  const bar = createDownloadBar(context.stderr);
  let file: string;
  try {
    file = await resolveModel(options.model ?? (context.env.VIGIL_GUARD_MODEL || defaultGuardModel), {
      modelsDir: options.modelsDir ?? context.env.VIGIL_MODELS_DIR,
      onDownloadProgress: bar.update,
      signal,
    });
  } finally {
    bar.done();
  }
  const { size } = await stat(file);
  const display = createLoadDisplay(context.stderr, `model ${path.basename(file)} (${formatBytes(size)})`);
  try {
    const guard = await createGuard({ ...options, model: file });
    display.done(true);
    return guard;
  } finally {
    display.done(false);
  }
}

/**
 * One line on the model a guard runs: where (the llama.cpp backend, or a server), its contexts
 * and its prompt template.
 * @example
 * describeGuard(guard); // 'model ./guard.gguf on cpu: 4 sequences of 2048 tokens, prompts up to 16368 tokens, template from the GGUF'
 */
export function describeGuard(guard: Guard) {
  const { model } = guard;
  const sequences = guard.stats().engine.sequences;
  const pool =
    sequences === undefined
      ? `${model.contextSize} tokens`
      : `${sequences} sequences of ${model.contextSize} tokens`;
  const longest =
    model.maxPromptTokens === undefined ? '' : `, prompts up to ${model.maxPromptTokens} tokens`;
  const template = model.promptSource === 'gguf-template' ? 'template from the GGUF' : 'built-in template';
  return `model ${model.id.replace(/:\d+$/, '')} on ${model.backend ?? 'an unnamed engine'}: ${pool}${longest}, ${template}`;
}
