// The long run of the response-side differential suite (tests/differential-response.test.ts):
// random framings of random answers for every protocol, through Vigil on Hono and Express, into
// the official clients. Prints the seed first and a JSON summary last; exits 1 on a failure.
//   npx tsx --conditions=@vigil/source scripts/fuzz/response-differential.ts --runs 5000 [--seed 42]
import { parseArgs } from 'node:util';
import { startVigilApps } from '../../tests/support/differential/response-apps.js';
import type { ResponseProtocol } from '../../tests/support/differential/response-clients.js';
import {
  checkJson,
  checkSafeStreamsPass,
  checkStreams,
  fuzzSeed,
} from '../../tests/support/differential/response-property.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string' } },
});
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1)
  throw new Error(`--runs: expected a positive integer, received ${values.runs}`);
const seed = values.seed === undefined ? fuzzSeed() : Number(values.seed);
console.log(`response differential: seed ${seed}, ${runs} cases per property (replay with --seed ${seed})`);

const protocols: ResponseProtocol[] = ['chat', 'completions', 'responses', 'anthropic'];
const summary: Record<string, number> = {};
let failed = false;
for (const strategy of ['buffer', 'progressive'] as const) {
  const apps = await startVigilApps({ streamStrategy: strategy });
  try {
    for (const protocol of protocols) {
      const name = `${strategy} ${protocol}`;
      try {
        summary[name] = await checkStreams(apps, protocol, { runs, seed, strategy });
        if (strategy === 'buffer') {
          summary[`safe ${protocol}`] = (await checkSafeStreamsPass(apps, protocol, { runs, seed })).cases;
          summary[`json ${protocol}`] = await checkJson(apps, protocol, { runs, seed });
        }
        console.log(`${name}: held`);
      } catch (error) {
        failed = true;
        const cause =
          error instanceof Error && error.cause instanceof Error ? `\n${error.cause.message}` : '';
        console.log(`${name}: FAILED\n${error instanceof Error ? error.message : String(error)}${cause}`);
      }
    }
  } finally {
    await apps.close();
  }
}
console.log(JSON.stringify({ seed, runs, cases: summary, failed }));
process.exitCode = failed ? 1 : 0;
