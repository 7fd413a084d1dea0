import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { VigilModelError } from '../../errors.js';

export interface DownloadProgress {
  /** The `hf:` URI or URL being downloaded. */
  model: string;
  downloadedBytes: number;
  totalBytes: number;
  /** 0-100. */
  percent: number;
  /** Average since the download started. */
  bytesPerSecond: number;
}

export interface ResolveModelOptions {
  modelsDir?: string | undefined;
  onDownloadProgress?: ((progress: DownloadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** What to tell a user about passing a local file instead. */
  localHint?: string | undefined;
  /** Give up on a download that makes no progress for this long. Defaults to 60 s. */
  stallTimeoutMs?: number | undefined;
}

const defaultLocalHint =
  "pass a local GGUF file instead: createGuard({ model: '/path/to/model.gguf' }), VIGIL_GUARD_MODEL=/path/to/model.gguf, or --model /path/to/model.gguf";

export function isRemoteModel(model: string) {
  return /^(hf:|huggingface:|https?:\/\/)/.test(model);
}

/** The option, else `VIGIL_MODELS_DIR`, else node-llama-cpp's models directory. */
export async function modelsDirectory(modelsDir: string | undefined) {
  const chosen = modelsDir ?? process.env.VIGIL_MODELS_DIR;
  if (chosen) return path.resolve(chosen);
  const { getModelsDirectory } = await import('./nlc.js');
  return getModelsDirectory();
}

/** Checks that a local file exists and starts with the GGUF magic. */
export async function checkGgufFile(file: string, model: string) {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new VigilModelError(`model '${model}': no such file '${path.resolve(file)}'`);
  if (!info.isFile()) throw new VigilModelError(`model '${model}': '${path.resolve(file)}' is not a file`);
  const handle = await open(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    if (magic.toString('latin1') !== 'GGUF') {
      throw new VigilModelError(
        `model '${model}': '${path.resolve(file)}' is not a GGUF file (it starts with ${JSON.stringify(magic.toString('latin1'))}, expected "GGUF")`,
      );
    }
  } finally {
    await handle.close();
  }
}

/**
 * Resolves a model reference to a local GGUF path: a local file is checked; an `hf:` URI or URL
 * is looked up in the models directory and downloaded there on first use, with progress. With no
 * network the error says so at once (never a hang) and says how to pass a local file.
 */
export async function resolveModel(model: string, options: ResolveModelOptions = {}): Promise<string> {
  const localHint = options.localHint ?? defaultLocalHint;
  if (!isRemoteModel(model)) {
    await checkGgufFile(model, model);
    return path.resolve(model);
  }
  const { resolveModelFile } = await import('./nlc.js');
  const directory = await modelsDirectory(options.modelsDir);
  const cached = await resolveModelFile(model, { directory, download: false, cli: false }).catch(
    () => undefined,
  );
  if (cached) {
    await checkGgufFile(cached, model);
    return cached;
  }
  await assertReachable(model, directory, localHint);
  const started = Date.now();
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let lastProgress = Date.now();
  // resolveModelFile can leave a promise pending with nothing keeping the event loop alive; this
  // timer both keeps the process waiting and turns a stalled download into an error.
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > stallTimeoutMs) controller.abort(new Error('no progress'));
  }, 1000);
  try {
    const file = await resolveModelFile(model, {
      directory,
      cli: false,
      signal: controller.signal,
      onProgress: ({ totalSize, downloadedSize }) => {
        lastProgress = Date.now();
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        options.onDownloadProgress?.({
          model,
          downloadedBytes: downloadedSize,
          totalBytes: totalSize,
          percent: totalSize > 0 ? (downloadedSize / totalSize) * 100 : 0,
          bytesPerSecond: downloadedSize / seconds,
        });
      },
    });
    await checkGgufFile(file, model);
    return file;
  } catch (error) {
    if (error instanceof VigilModelError) throw error;
    const reason = controller.signal.aborted
      ? String((controller.signal.reason as Error)?.message ?? 'aborted')
      : (error as Error).message;
    throw new VigilModelError(
      `model '${model}': download into '${directory}' failed (${reason}); ${localHint}`,
      { cause: error },
    );
  } finally {
    clearInterval(watchdog);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function downloadHost(model: string) {
  if (/^https?:\/\//.test(model)) return new URL(model).origin;
  return process.env.HF_ENDPOINT ?? 'https://huggingface.co';
}

async function assertReachable(model: string, directory: string, localHint: string) {
  const host = downloadHost(model);
  try {
    await fetch(host, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new VigilModelError(
      `model '${model}' is not in the models directory '${directory}' and cannot be downloaded: ${host} is unreachable (${cause}); ${localHint}`,
      { cause: error },
    );
  }
}
