// `npx tsx --conditions=@vigil/source scripts/measure/request-path.ts`: which source files of the
// packages run while one guarded request goes through the Hono middleware to an upstream that
// answers with a chat completion (the guard on the tiny fixture model). Counts functions run, not
// modules loaded: precise coverage is reset once the app is ready, so loading and setup do not count.
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { ensureTinyFixtures } from '../fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS, REPO_ROOT } from '../fixtures/fixture-facts.js';

await ensureTinyFixtures({ log: () => {} });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
// Imported after coverage starts, so every function of theirs is counted.
const { createGuard } = await import('@vigil/guard-core');
const { vigil } = await import('@vigil/guard-middleware/hono');
const { Hono } = await import('hono');
await using guard = await createGuard({ model: FIXTURE_PATHS.tinyGuard });
const app = new Hono();
app.use('/v1/*', vigil({ guard, mode: 'block' }));
app.post('/v1/chat/completions', (c) =>
  c.json({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Paris is the capital of France.' },
        finish_reason: 'stop',
      },
    ],
  }),
);
const request = (question: string) =>
  app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: question }] }),
  });
// One request first, so lazy imports and first-call setup are not counted.
await (await request('What is the capital of France?')).text();
await session.post('Profiler.takePreciseCoverage');
// Another question: the verdict cache does not answer it.
const response = await request('Which river runs through Paris?');
await response.text();
const { result } = await session.post('Profiler.takePreciseCoverage');
const files = new Set<string>();
for (const script of result) {
  if (!script.url.startsWith('file://')) continue;
  const file = fileURLToPath(script.url);
  if (!file.startsWith(`${REPO_ROOT}/packages/`) || !file.includes('/src/')) continue;
  // Counters were reset after the first request, so a module's top level counts 0 unless a
  // function of its ran (V8 merges a nested function into its parent's range when their counts match).
  if (script.functions.some((fn) => fn.ranges.some((range) => range.count > 0)))
    files.add(file.slice(REPO_ROOT.length + 1));
}
const sorted = [...files].sort();
const byPackage: Record<string, string[]> = {};
for (const file of sorted) {
  const name = file.split('/')[1] as string;
  byPackage[name] = [...(byPackage[name] ?? []), file];
}
console.log(JSON.stringify({ status: response.status, files: sorted.length, byPackage }, null, 1));
