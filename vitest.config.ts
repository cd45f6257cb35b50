import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability and security suite has its own config and script (npm run test:faults).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    // Integration and end-to-end files each get their own database and queue prefix, so files can
    // run side by side; two workers match the two cores CI has.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
