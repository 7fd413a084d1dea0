#!/usr/bin/env node
// The `vigil` command: runs the built CLI (`npx tsc -b` builds dist/).
import { runProcess } from '../dist/shell/run-process.js';

await runProcess();
