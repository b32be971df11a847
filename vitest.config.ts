import { defineConfig } from 'vitest/config';

/** As test/support/drivers.ts reads it: any non-empty CI but `false`/`0` (providers set `true`, `1` or a name). */
const ci = !['', 'false', '0'].includes((process.env.CI ?? '').trim().toLowerCase());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Test files of one process share its loaded modules (importing the server's sources
    // per file cost ~2 s each) and its pool of migrated PostgreSQL schemas (drivers.ts).
    // No test changes module state or mocks modules, which this would carry across files.
    isolate: false,
    // Most of a test's time is spent waiting on PostgreSQL, child processes and the disk:
    // three forks keep two cores busy (vitest's default on two cores is one fork).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ci ? ['verbose'] : ['default'],
  },
});
