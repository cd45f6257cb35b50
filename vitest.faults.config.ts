import { defineConfig } from 'vitest/config';

// npm run test:faults: the reliability and security suite (issue 6). Each file restarts, kills or
// floods real servers and wants the machine's two cores to itself, so files run one at a time;
// timeouts are generous for a slow, shared machine, and every case bounds its own waits.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
