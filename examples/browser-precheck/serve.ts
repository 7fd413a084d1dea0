// Serves the browser pre-check example: the page, its scripts bundled by esbuild for the
// browser, Transformers.js and ONNX Runtime Web from node_modules, and the models folder, with
// the cross-origin isolation headers WASM threads need (COOP/COEP). Loopback only by default.
//   npx tsx --conditions=@vigil/source examples/browser-precheck/serve.ts [--port 8080] [--models dir]
// With no --models, it serves the ONNX twins of the test fixtures (made first when missing).
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// The package's main file (Node's CommonJS build) sits in dist/, beside the browser build.
const transformersDist = dirname(require.resolve('@huggingface/transformers'));
const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs'));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.css': 'text/css; charset=utf-8',
};

/** `@huggingface/transformers` stays outside the bundles, loaded from /vendor (one copy for page and worker). */
const transformersFromVendor: Plugin = {
  name: 'transformers-from-vendor',
  setup(builder) {
    builder.onResolve({ filter: /^@huggingface\/transformers$/ }, () => ({
      path: '/vendor/transformers.js',
      external: true,
    }));
  },
};

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['@vigil/source'],
    plugins: [transformersFromVendor],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

export interface PrecheckServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the server; `modelsDir` is served as /models/ (each model a folder in the Hugging Face layout). */
export async function startPrecheckServer(options: {
  modelsDir: string;
  port?: number;
  host?: string;
}): Promise<PrecheckServer> {
  const scripts = new Map<string, string>(
    await Promise.all(
      (['app.ts', 'worker.ts', 'core.ts'] as const).map(
        async (entry) => [`/${entry.replace('.ts', '.js')}`, await bundle(entry)] as const,
      ),
    ),
  );
  const roots: [string, string][] = [
    ['/vendor/', transformersDist],
    ['/ort/', ortDist],
    ['/models/', resolve(options.modelsDir)],
  ];
  const server = createServer(async (request, response) => {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Cache-Control', 'no-store');
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const script = scripts.get(path);
    if (script !== undefined) {
      response.writeHead(200, { 'Content-Type': contentTypes['.js'] }).end(script);
      return;
    }
    let file: string | undefined;
    if (path === '/' || path === '/index.html') file = join(here, 'index.html');
    for (const [prefix, root] of roots) {
      if (!path.startsWith(prefix)) continue;
      const candidate = normalize(join(root, path.slice(prefix.length)));
      if (candidate.startsWith(root + sep)) file = candidate;
    }
    if (!file || !(await stat(file).catch(() => undefined))?.isFile()) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    const body = await readFile(file);
    response.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8080' }, models: { type: 'string' } },
  });
  let modelsDir = values.models;
  if (!modelsDir) {
    const { ensureTinyFixtures } = await import('../../scripts/fixtures/ensure-fixtures.js');
    const { ONNX_TWINS_DIR } = await import('../../scripts/fixtures/onnx-fixtures.js');
    await ensureTinyFixtures({ log: (line) => console.log(`fixtures: ${line}`) });
    modelsDir = ONNX_TWINS_DIR;
  }
  const server = await startPrecheckServer({ modelsDir, port: Number(values.port) });
  console.log(`browser pre-check: ${server.url} (models from ${modelsDir})`);
}
