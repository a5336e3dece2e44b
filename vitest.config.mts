import { defineConfig } from 'vitest/config'

// Files that hold for any strategy run a second time with RSEQ_STRATEGY=fallback.
const strategyNeutral = ['test/percpu-semantics.test.ts', 'test/percpu-arguments.test.ts', 'test/hostile-input.test.ts']

export default defineConfig({
  test: {
    // Native addons and worker_threads behave as in a plain node process in forked workers.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'host', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'fallback', include: strategyNeutral, env: { RSEQ_STRATEGY: 'fallback' } } },
    ],
  },
})
