// npm run test:deployments: the package as deployed, with real servers around it: a Prometheus server
// scraping the cluster example through every exporter, and PM2 running it in cluster mode while one
// instance is killed. Apart from `npm test` for its time (servers start, load runs for seconds); .ci/run
// runs it after the suite.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    pool: 'forks',
    // One at a time: each starts servers and load that take both cores.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    include: ['test/deployments/**/*.test.ts'],
  },
})
