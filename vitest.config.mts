import * as path from 'node:path'
import { configDefaults, defineConfig } from 'vitest/config'

const withoutNativeBuild = path.join(import.meta.dirname, 'test', '.build', 'package-without-native-build')

// Files that hold for any strategy run a second time with RSEQ_STRATEGY=fallback, and a third time on the
// portable path: importing a copy of lib/ that has no native build beside it
// (test/setup/package-without-native-build.ts).
const strategyNeutral = [
  'test/percpu-semantics.test.ts',
  'test/percpu-arguments.test.ts',
  'test/hostile-input.test.ts',
  'test/store-semantics.test.ts',
]

export default defineConfig({
  test: {
    // Native addons and worker_threads behave as in a plain node process in forked workers.
    pool: 'forks',
    // Two test files at once on every machine (vitest's default is one fewer than the cores: one file at a time on
    // 2 cores). Most of a file's time is in child processes that wait as often as they compute (builds, other
    // runtimes, emulators), and the suite holds under a busy loop on every core (npm run test:under-load).
    maxWorkers: 2,
    // A warning no test expects fails the test it came from.
    setupFiles: ['test/setup/unexplained-warnings.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      // test/deployments/ runs real servers (Prometheus, PM2): npm run test:deployments, in CI (vitest.deployments.config.mts).
      {
        extends: true,
        test: { name: 'host', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/deployments/**'] },
      },
      {
        extends: true,
        test: { name: 'fallback', include: strategyNeutral, env: { RSEQ_STRATEGY: 'fallback', RSEQ_TEST_ARRANGED_STRATEGY: 'fallback' } },
      },
      {
        extends: true,
        resolve: { alias: [{ find: /^\.\.\/lib(\/.*)?$/, replacement: `${withoutNativeBuild}/lib$1` }] },
        test: {
          name: 'portable',
          include: strategyNeutral,
          globalSetup: ['test/setup/package-without-native-build.ts'],
          env: { RSEQ_TEST_ARRANGED_STRATEGY: 'portable' },
        },
      },
    ],
  },
})
