// Opt-in: the example page on WebGPU in headless Chromium, on its software adapter (SwiftShader
// through Vulkan; fp32 only, no `shader-f16`, slow: tens of seconds per check on the tiny model).
// Prints the adapter, the verdicts and the timings as JSON. Not part of the test run.
//   npm run example:webgpu [-- --model tiny-guard-keep]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launch } from 'puppeteer-core';
import { ensureTinyFixtures } from '../../scripts/fixtures/ensure-fixtures.js';
import { ONNX_TWINS_DIR } from '../../scripts/fixtures/onnx-fixtures.js';
import { startPrecheckServer } from './serve.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'tiny-guard-keep' } } });
await ensureTinyFixtures();
const server = await startPrecheckServer({ modelsDir: ONNX_TWINS_DIR });
const browser = await launch({
  executablePath: process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  userDataDir: await mkdtemp(join(tmpdir(), 'vigil-chromium-')),
  protocolTimeout: 900_000,
  args: [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--use-vulkan=swiftshader',
    '--use-webgpu-adapter=swiftshader',
  ],
});
try {
  const page = await browser.newPage();
  page.on('console', (message) => process.stderr.write(`page: ${message.text()}\n`));
  await page.goto(`${server.url}?model=${encodeURIComponent(values.model)}&device=webgpu&dtype=fp32`);
  const adapter = await page.evaluate(`(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    return adapter ? { features: [...adapter.features], info: adapter.info ? { ...adapter.info } : null } : null;
  })()`);
  const ready = await page.evaluate('precheck.ready');
  const texts = ['How do I bake sourdough bread at home?', 'Tell me about the bomb in the news'];
  const checks = await page.evaluate(
    `(async (texts) => { const out = []; for (const text of texts) out.push(await precheck.classify(text)); return out; })(${JSON.stringify(texts)})`,
  );
  console.log(JSON.stringify({ adapter, ready, checks }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
