// Differential testing, response side (issue 24): random framings of random answers for every
// protocol go through Vigil (Hono and Express) and then through the official clients. The text
// a client assembles must never hold the unsafe marker in buffer mode, nor unjudged in
// progressive mode. The seed is printed; replay with VIGIL_FUZZ_SEED=<seed>. Cases per property:
// VIGIL_FUZZ_RUNS (default 100); `scripts/fuzz/response-differential.ts --runs N` runs long.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVigilApps, type VigilApps } from './support/differential/response-apps.js';
import type { ResponseProtocol } from './support/differential/response-clients.js';
import {
  checkJson,
  checkSafeStreamsPass,
  checkStreams,
  fuzzSeed,
} from './support/differential/response-property.js';

const runs = Number(process.env.VIGIL_FUZZ_RUNS ?? 100);
const seed = fuzzSeed();
const protocols: ResponseProtocol[] = ['chat', 'completions', 'responses', 'anthropic'];

for (const strategy of ['buffer', 'progressive'] as const) {
  describe(`response differential (${strategy}, seed ${seed})`, () => {
    let apps: VigilApps;
    beforeAll(async () => {
      apps = await startVigilApps({ streamStrategy: strategy });
      console.log(
        `response differential: seed ${seed}, ${runs} cases per property (VIGIL_FUZZ_SEED to replay)`,
      );
    });
    afterAll(async () => {
      await apps?.close();
    });
    for (const protocol of protocols) {
      const count = strategy === 'buffer' ? runs : Math.ceil(runs / 4);
      it(`${protocol} streams: no client shows unsafe text Vigil did not judge`, async () => {
        console.log(
          `${strategy} ${protocol}: ${await checkStreams(apps, protocol, { runs: count, seed, strategy })} cases`,
        );
      });
      if (strategy === 'buffer')
        it(`${protocol} JSON answers: no client shows unsafe text`, async () => {
          console.log(
            `json ${protocol}: ${await checkJson(apps, protocol, { runs: Math.ceil(runs / 2), seed })} cases`,
          );
        });
      if (strategy === 'buffer')
        it(`${protocol} streams: a safe answer in the usual order passes`, async () => {
          const { cases, shownCases } = await checkSafeStreamsPass(apps, protocol, {
            runs: Math.ceil(runs / 4),
            seed,
          });
          console.log(
            `safe ${protocol}: ${cases} cases, text shown in ${shownCases} of ${cases * 2} adapter runs`,
          );
          expect(shownCases).toBeGreaterThan(0);
        });
    }
  });
}
