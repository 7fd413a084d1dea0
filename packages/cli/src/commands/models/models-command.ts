import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultGeneratorModel } from '@vigil/generator';
import { defaultGuardModel } from '@vigil/guard-core';
import {
  backendOf,
  getSharedLlama,
  isRemoteModel,
  modelsDirectory,
  resolveModel,
} from '@vigil/guard-core/internal';
import type { CommandContext } from '../../context/cli-context.js';
import { interruptibleLoad } from '../../context/interruptible-load.js';
import { UsageError } from '../../context/usage-error.js';
import { defineFlags, parseFlags } from '../../flags/flag-table.js';
import { helpFlag } from '../../flags/help-flag.js';
import { createDownloadBar } from '../../output/download-bar.js';
import { formatBytes } from '../../output/progress.js';
import { modelsHelp } from './models-help.js';

/** `vigil models`' one flag (its help page is its actions). */
const modelsFlags = defineFlags({ help: helpFlag('options') });

function modelUri(which: string | undefined) {
  if (which === undefined || which === 'guard') return defaultGuardModel;
  if (which === 'generator') return defaultGeneratorModel;
  if (isRemoteModel(which)) return which;
  throw new UsageError(
    `vigil models pull: expected guard, generator, an hf: URI or a URL, received '${which}'`,
  );
}

async function pull(which: string | undefined, context: CommandContext) {
  const uri = modelUri(which);
  const directory = await modelsDirectory(context.env.VIGIL_MODELS_DIR);
  context.stderr.write(`vigil: pulling ${uri} into ${directory}\n`);
  const bar = createDownloadBar(context.stderr);
  try {
    // A signal during the download stops it (exit 128 + its number), leaving no partial file in use.
    const file = await interruptibleLoad(context, (signal) =>
      resolveModel(uri, {
        modelsDir: directory,
        onDownloadProgress: bar.update,
        signal,
        localHint:
          'download the GGUF file yourself and use it with vigil audit --model /path/to/model.gguf (or VIGIL_GUARD_MODEL=/path/to/model.gguf)',
      }),
    );
    bar.done();
    context.stdout.write(`${file}\n`);
  } finally {
    bar.done();
  }
}

async function list(context: CommandContext) {
  // What `gpu: 'auto'` picks here: prebuilt binaries only, nothing built or downloaded.
  const backend = backendOf(await getSharedLlama('auto'));
  context.stderr.write(`Backend: ${backend}${backend === 'cpu' ? ' (no usable GPU found)' : ''}\n`);
  const directory = await modelsDirectory(context.env.VIGIL_MODELS_DIR);
  const names = await readdir(directory).catch(() => [] as string[]);
  const models = names.filter((name) => name.toLowerCase().endsWith('.gguf')).sort();
  if (models.length === 0) {
    context.stderr.write(`No models in ${directory} (vigil models pull downloads the guard model)\n`);
    return;
  }
  context.stderr.write(`Models in ${directory}:\n`);
  for (const name of models) {
    const { size } = await stat(path.join(directory, name));
    context.stdout.write(`${formatBytes(size).padStart(8)}  ${name}\n`);
  }
}

/** `vigil models pull [guard|generator|URI]` and `vigil models list`. */
export async function modelsCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil models', args, modelsFlags);
  const [action, which, ...extra] = positionals;
  if (values.help || action === undefined) {
    (values.help ? context.stdout : context.stderr).write(modelsHelp);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0 || (action === 'list' && which !== undefined)) {
    throw new UsageError(`vigil models ${action}: unexpected argument '${extra[0] ?? which}'`);
  }
  if (action === 'pull') await pull(which, context);
  else if (action === 'list') await list(context);
  else throw new UsageError(`vigil models: unknown action '${action}'; expected pull or list`);
  return 0;
}
