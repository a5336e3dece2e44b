// A real Prometheus server (Debian's prometheus, on loopback, with a temporary database) scrapes the
// node:cluster example through each of its three expositions of one host-wide store: prom-client,
// @prometheus-io/client, and OpenTelemetry's Prometheus exporter fed by StoreMetricProducer. After known
// work, Prometheus's query API must give the exact totals of the labelled counters and the exact sum and
// count of a histogram, the same for all three.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, get, startClusterServer, waitFor, type ClusterServer } from '../helpers/deployments'
import { fetchRuntime, runtimes } from '../helpers/runtimes'

const prometheusMissing =
  spawnSync('prometheus', ['--version']).status === 0 ? null : 'prometheus is not installed (apt-get install prometheus)'
if (prometheusMissing !== null && process.env.RSEQ_REQUIRE_EMULATION === '1') throw new Error(prometheusMissing)

const JOBS = { 'prom-client': '/metrics', 'prometheus-io': '/metrics/prometheus-io', opentelemetry: '/metrics/opentelemetry' }
// The known work: requests by route, and the n of each /work request, which the app observes in work_size.
const WORK = [1000, 2500, 50000, 7, 120000, 20000]
const HELLOS = 23

describe.skipIf(prometheusMissing !== null)('Prometheus scraping the cluster example through every exporter', () => {
  let server: ClusterServer
  let prometheus: ChildProcess
  let scratch: string
  let api: string
  const store = path.join('/dev/shm', `rseq-prometheus-${process.pid}.metrics`)

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rseq-prometheus-'))
    fs.rmSync(store, { force: true })
    // @prometheus-io/client and OpenTelemetry's SDK are for Node 22 and later.
    const node = await fetchRuntime(runtimes.find((runtime) => runtime.name === 'node22')!)
    server = await startClusterServer(node, await freePort(), store, 2)
    for (const n of WORK) await get(`${server.url}/work?n=${n}`)
    await Promise.all(Array.from({ length: HELLOS }, () => get(`${server.url}/hello`)))
    const port = await freePort()
    api = `http://127.0.0.1:${port}/api/v1`
    const target = server.url.replace('http://', '')
    const config = [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      ...Object.entries(JOBS).map(
        ([job, metricsPath]) => `  - { job_name: ${job}, metrics_path: ${metricsPath}, static_configs: [{ targets: ['${target}'] }] }`,
      ),
    ].join('\n')
    fs.writeFileSync(path.join(scratch, 'prometheus.yml'), config + '\n')
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${path.join(scratch, 'prometheus.yml')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${path.join(scratch, 'data')}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    // Bounded: the test fails rather than wait for ever, and the server never outlives the file.
    setTimeout(() => prometheus.kill('SIGKILL'), 170_000).unref()
  })

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM')
      await once(prometheus, 'exit')
    }
    await server?.stop()
    fs.rmSync(scratch, { recursive: true, force: true })
    fs.rmSync(store, { force: true })
  })

  /** Prometheus's answer to an instant query: 'job route status' (or 'job') -> value. */
  async function query(expression: string): Promise<Record<string, number>> {
    const answer = JSON.parse(await get(`${api}/query?query=${encodeURIComponent(expression)}`))
    return Object.fromEntries(
      answer.data.result.map(({ metric, value }: { metric: Record<string, string>; value: [number, string] }) => [
        [metric.job, metric.route, metric.status].filter((part) => part !== undefined).join(' '),
        Number(value[1]),
      ]),
    )
  }

  it('has every target up', async () => {
    const up = await waitFor(
      'all three targets up',
      async () => {
        const values = await query('up')
        return Object.keys(values).length === 3 && Object.values(values).every((value) => value === 1) ? values : undefined
      },
      60_000,
      500,
    )
    expect(up).toEqual({ 'prom-client': 1, 'prometheus-io': 1, opentelemetry: 1 })
  })

  it('reads the exact labelled request counts through each exporter', async () => {
    const expected: Record<string, number> = {}
    for (const job of Object.keys(JOBS)) {
      expected[`${job} /work 200`] = WORK.length
      expected[`${job} /hello 200`] = HELLOS
    }
    const sorted = (values: Record<string, number>) => JSON.stringify(Object.entries(values).sort())
    // Prometheus may not have scraped every target since the work: wait for the counts to arrive (bounded).
    const counts = await waitFor(
      'every count in Prometheus',
      async () => {
        const values = await query('sum by (job, route, status) (http_requests_total)')
        return sorted(values) === sorted(expected) ? values : undefined
      },
      60_000,
      500,
    )
    expect(counts).toEqual(expected)
  })

  it('reads the exact sum and count of a histogram, and its buckets, through each exporter', async () => {
    const sum = WORK.reduce((a, b) => a + b, 0)
    // Each target's first scrape after the work may still be on its way (when this test runs alone).
    await waitFor(
      "the work in every target's histogram",
      async () => {
        const counts = await query('work_size_count')
        return Object.keys(counts).length === 3 && Object.values(counts).every((count) => count === WORK.length) ? counts : undefined
      },
      60_000,
      500,
    )
    expect(await query('work_size_sum')).toEqual({ 'prom-client': sum, 'prometheus-io': sum, opentelemetry: sum })
    expect(await query('work_size_count')).toEqual({ 'prom-client': WORK.length, 'prometheus-io': WORK.length, opentelemetry: WORK.length })
    // Buckets 1000, 10000, 100000: n <= 1000 are 7 and 1000; <= 10000 adds 2500; <= 100000 adds 50000 and 20000.
    const buckets = await query('sum by (job, le) (work_size_bucket{le="10000"})')
    expect(buckets).toEqual({ 'prom-client': 3, 'prometheus-io': 3, opentelemetry: 3 })
    const durations = await query('sum by (job, route) (http_request_duration_seconds_count)')
    for (const job of Object.keys(JOBS)) {
      expect(durations[`${job} /work`]).toBe(WORK.length)
      expect(durations[`${job} /hello`]).toBe(HELLOS)
    }
  })
})
