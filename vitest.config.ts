import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Removes what the run added to the engines, even when a test failed before its own cleanup.
    globalSetup: ['./test/engine-leftovers.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration tests share one dockerd and spawn the CLI; keep the 2-core machine responsive.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
