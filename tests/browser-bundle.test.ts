// Issue 21: guard-core's main entry (createGuard and classify, the policy, the prompt renderer,
// the stream moderator) and the Transformers.js engine bundle for the browser with esbuild, with
// no shims: any Node built-in, node-llama-cpp or Node global in the bundle fails the test.
import { builtinModules } from 'node:module';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';

/** Bundles `contents` as a browser bundler would (the `browser` condition applies). */
async function bundleForBrowser(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['@vigil/source'],
    external: ['@huggingface/transformers'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]?.text ?? '', metafile: result.metafile as Metafile };
}

describe('the browser bundle', () => {
  it('holds the main entry and the Transformers.js engine without any Node built-in', async () => {
    const { code, metafile } = await bundleForBrowser(
      "export * from '@vigil/guard-core'; export { createTransformersEngine } from '@vigil/engine-transformers';",
    );
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.endsWith('guard-core/src/guard.ts'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('stream/stream-moderator.ts'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('prompt/renderer.ts'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('policy/policy-file.ts'))).toBe(true);
    // The Node side stays out: the platform seams resolve to their browser files.
    expect(
      inputs.filter((input) => /node-llama-cpp|platform\/node\/|engine\/local\/local-engine/.test(input)),
    ).toEqual([]);
    expect(inputs.some((input) => input.endsWith('platform/browser/local-engine.ts'))).toBe(true);
    const imported = Object.values(metafile.inputs).flatMap((input) =>
      input.imports.map((entry) => entry.path),
    );
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect(imported.filter((path) => builtins.has(path))).toEqual([]);
    // No Node globals either (the bundle is not shimmed).
    expect(code).not.toMatch(/\bprocess\.(env|versions|memoryUsage|on)\b|\brequire\(|\bBuffer\./);
  });

  it('fails on a Node built-in, so the check above can fail', async () => {
    await expect(
      bundleForBrowser("import { readFileSync } from 'node:fs'; export const x = readFileSync;"),
    ).rejects.toThrow(/node:fs/);
  });
});
