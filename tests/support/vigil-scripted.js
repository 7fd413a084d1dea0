// `vigil` exactly as packages/cli/bin/vigil.js runs it (same process handling, signals, exit
// codes), with guard-core's scripted engine instead of a model, so that end-to-end tests of the
// audit machinery take milliseconds. With VIGIL_TEST_SCRIPTED_LOAD_MS, the engine takes that long
// to "load" (signals during a load). Test-only: it is not part of any package.
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { runProcess } from '../../packages/cli/dist/shell/run-process.js';

const delayMs = Number(process.env.VIGIL_TEST_SCRIPTED_DELAY_MS ?? '0');
const loadMs = Number(process.env.VIGIL_TEST_SCRIPTED_LOAD_MS ?? '0');
const engine = createScriptedEngine({ delayMs });
await runProcess(process.argv.slice(2), {
  engine:
    loadMs > 0
      ? {
          // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose: the load's timer starts only when a command loads the engine
          then: (resolve) => setTimeout(() => resolve(engine), loadMs),
        }
      : engine,
});
