// The request-side differential suite as a long run (CI runs a few hundred cases a property in
// tests/differential-request.test.ts). Prints the seed, the counts and any counterexample.
//   npx tsx --conditions=@vigil/source scripts/fuzz/request-differential.ts --runs 20000 [--seed N]
// Every shape is generated, issue 24's request-side items (4, 6, 7, 8, 9) included.
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { ALL_SHAPES, requestCase } from '../../tests/support/differential/request-cases.js';
import {
  createRequestDifferential,
  type Via,
} from '../../tests/support/differential/request-differential.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    seed: { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);

const differential = await createRequestDifferential();
const started = performance.now();
console.log(JSON.stringify({ seed, runs }));
const result = await fc.check(
  fc.asyncProperty(
    requestCase(ALL_SHAPES),
    fc.constantFrom<Via>('hono', 'hono', 'express4', 'express5'),
    async (request, via) => (await differential.check(request, via)).length === 0,
  ),
  { seed, numRuns: runs },
);
const seconds = Math.round((performance.now() - started) / 100) / 10;
console.log(JSON.stringify({ ...differential.stats, seconds, failed: result.failed }));
if (result.failed) {
  const [request, via] = result.counterexample ?? [];
  console.log(JSON.stringify({ seed, path: result.counterexamplePath, via, request }));
  if (request) console.log((await differential.check(request, via)).join('\n'));
}
await differential.close();
process.exitCode = result.failed ? 1 : 0;
