import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons and worker_threads behave as in a plain node process in forked workers.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
