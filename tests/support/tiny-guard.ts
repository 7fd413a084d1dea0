// The guard most model tests share: the hand-wired tiny Llama Guard fixture, two threads, two
// sequences of 2048 tokens (override any option).
import { createGuard, type GuardOptions } from '@vigil/guard-core';
import { ensureTinyFixtures } from '../../scripts/fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS } from '../../scripts/fixtures/fixture-facts.js';

/** A guard on the tiny fixture model (generated first if missing). */
export async function createTinyGuard(options: GuardOptions = {}) {
  await ensureTinyFixtures();
  return createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 2,
    contextSize: 2048,
    concurrency: 2,
    ...options,
  });
}
