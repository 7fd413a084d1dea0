import path from 'node:path';

/**
 * What `model` means wherever the CLI names the guard's model (serve's responses and logs, audit
 * and eval reports, progress lines): the one definition, which `vigil serve --help` and the
 * serve guide (docs/guide/serve.md) quote.
 */
export const modelNameRule =
  "the GGUF file's base name without .gguf (for an hf: URI, its file's), or the served model's name with a remote engine";

/**
 * The model's name for people and reports, from a guard's `model.id` (`/models/x.gguf:955000000`
 * for a local file, `remote:NAME@URL` for a server): see {@link modelNameRule}.
 * @example
 * modelName('/home/me/.node-llama-cpp/models/Llama-Guard-3-1B.Q4_K_M.gguf:955000000'); // 'Llama-Guard-3-1B.Q4_K_M'
 * modelName('remote:llama-guard@http://gpu-1:8000/v1'); // 'llama-guard'
 */
export function modelName(id: string): string {
  const remote = /^remote:(.+?)@https?:\/\//.exec(id);
  if (remote) return remote[1] as string;
  const file = path.basename(id.replace(/:\d+$/, ''));
  return file.replace(/\.gguf$/i, '') || id;
}
