import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-redis.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two cores do not run many at once well.
    maxWorkers: 2,
    // The JSON copy lets .ci/run print one plain "N passed, N failed, N skipped" line.
    reporters: ['default', ['json', { outputFile: '.perfbot/test-results.json' }]],
  },
});
