// The examples do what their comments say: examples/cluster-server's histograms measure what their names say,
// with buckets that tell its requests apart, and its PM2 file takes the instance count from the environment.
import { rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetricStore, type CollectedMetric } from '../lib'
import { CLUSTER_EXAMPLE, freePort, get, startClusterServer, type ClusterServer } from './helpers/deployments'
import { cleanEnvironment, runCommand } from './helpers/run-node'

const HELLOS = 40
const WORKS = 3
const WORK_N = 5_000_000 // a sieve of 5 million: milliseconds of work on any machine this runs on

describe('examples/cluster-server', () => {
  const store = path.join(os.tmpdir(), `rseq-example-${process.pid}.metrics`)
  let server: ClusterServer
  let histograms: Record<string, Extract<CollectedMetric, { kind: 'histogram' }>>

  beforeAll(async () => {
    server = await startClusterServer(process.execPath, await freePort(), store, 2)
    for (let i = 0; i < HELLOS; i++) await get(`${server.url}/hello`)
    for (let i = 0; i < WORKS; i++) await get(`${server.url}/work?n=${WORK_N}`)
    await server.stop() // every answer's 'finish' has run once its process is gone
    const opened = MetricStore.open(store)
    histograms = Object.fromEntries(
      opened
        .collect()
        .filter((metric) => metric.kind === 'histogram')
        .map((metric) => [metric.name, metric as Extract<CollectedMetric, { kind: 'histogram' }>]),
    )
    opened.close()
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
    rmSync(store, { force: true })
  })

  it('observes each request once, from its arrival to the end of its answer, in buckets from 25 us to 1 s', () => {
    const duration = histograms.http_request_duration_seconds
    expect(duration.bounds[0]).toBe(0.000025)
    expect(duration.bounds.at(-1)).toBe(1)
    const byRoute = Object.fromEntries(duration.series.map((series) => [series.labels.route, series]))
    expect(byRoute['/hello'].count).toBe(BigInt(HELLOS))
    expect(byRoute['/work'].count).toBe(BigInt(WORKS))
    // A sieve of 5 million takes milliseconds: none of its observations is in a bucket below 1 ms.
    const belowMillisecond = duration.bounds.filter((bound) => bound < 0.001).length
    expect(byRoute['/work'].counts.slice(0, belowMillisecond).every((count) => count === 0n)).toBe(true)
    expect(byRoute['/work'].sum / WORKS).toBeGreaterThan(byRoute['/hello'].sum / HELLOS)
  })

  it('observes the n of each /work request in buckets up to 10 million', () => {
    const [series] = histograms.work_size.series
    expect(histograms.work_size.bounds).toEqual([1000, 10000, 100000, 1000000, 10000000])
    expect(series.count).toBe(BigInt(WORKS))
    expect(series.sum).toBe(WORKS * WORK_N)
    expect(series.counts.at(-2)).toBe(BigInt(WORKS)) // 5 million: the bucket up to 10 million
  })

  it('runs as many PM2 instances as INSTANCES says, 4 when it says nothing', async () => {
    const script = `process.stdout.write(String(require(${JSON.stringify(path.join(CLUSTER_EXAMPLE, 'ecosystem.config.js'))}).apps[0].instances))`
    const instances = async (env: Record<string, string>) =>
      (await runCommand(process.execPath, ['-e', script], { env: cleanEnvironment(env) })).stdout
    expect(await instances({ INSTANCES: '2' })).toBe('2')
    expect(await instances({ INSTANCES: 'max' })).toBe('max')
    expect(await instances({})).toBe('4')
  })
})
