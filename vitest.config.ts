import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code (no model), and model/cross-package tests in
// tests/ that load real GGUF fixtures through node-llama-cpp, serialised in one forked worker
// because each model holds native memory.
export default defineConfig({
  resolve: { conditions: ['@vigil/source'] },
  ssr: { resolve: { conditions: ['@vigil/source'] } },
  test: {
    // CI reads one plain summary line computed from this JSON (see .ci/run).
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-results.json' }]] : ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'model',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/docs-*.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The documentation site (build, links, Chromium) and every sample of its guides, run as
        // a user pastes them: minutes of their own, so `npm run test:docs`, not `npm test`
        // (CI runs both).
        extends: true,
        test: {
          name: 'docs',
          include: ['tests/docs-*.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
