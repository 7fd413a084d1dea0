// `vigil` exactly as packages/cli/bin/vigil.js runs it (same process handling, signals, exit
// codes), with guard-core's scripted engine instead of a model, so that end-to-end tests of the
// audit machinery take milliseconds. Test-only: it is not part of any package.
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { runProcess } from '../../packages/cli/dist/cli/run-process.js';

const delayMs = Number(process.env.VIGIL_TEST_SCRIPTED_DELAY_MS ?? '0');
await runProcess(process.argv.slice(2), { engine: createScriptedEngine({ delayMs }) });
