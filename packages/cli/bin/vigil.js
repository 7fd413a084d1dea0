#!/usr/bin/env node
// The `vigil` command: runs the built CLI (`npx tsc -b` builds dist/).
import { runCli } from '../dist/cli/main.js';

process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await runCli(process.argv.slice(2));
