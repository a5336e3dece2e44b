// Scraping a node:cluster server, three ways, in one run: a host-wide MetricStore exported through
// prom-client (any process reads the whole store; nothing is asked of the workers), prom-client's
// AggregatorRegistry and @prometheus-io/client's ClusterRegistry (the primary asks every worker over IPC
// and merges their registries). For 2, 8 and 32 worker processes: the time of a scrape and the CPU all the
// processes spend on it; then one worker is SIGKILLed and what the next scrape still counts is shown. Last,
// a histogram's observe() in each library. Prints a Markdown report on stdout (npm run bench runs it).
//   node scripts/bench-cluster.mjs [--processes 2,8,32] [--scrapes N] [--quick]
import cluster from 'node:cluster'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'

const require = createRequire(import.meta.url)
const { values: options } = parseArgs({
  options: { processes: { type: 'string', default: '2,8,32' }, scrapes: { type: 'string', default: '100' }, quick: { type: 'boolean' } },
})
const ROUTES = ['/', '/api', '/login', '/static']
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const ADDS = 10_000 // per worker: requests counted and latencies observed before the scrapes

const MODES = {
  // Every process adds to one host-wide store; the primary exports it through a prom-client registry.
  store: {
    setUp() {
      const { MetricStore } = require('rseq')
      const store = MetricStore.open(process.env.BENCH_STORE)
      return {
        requests: store.counter('bench_requests_total', { labelNames: ['route'], help: 'requests' }),
        latency: store.histogram('bench_latency_seconds', { labelNames: ['route'], buckets: BUCKETS, resolution: 1e-6, help: 'latency' }),
        store,
      }
    },
    work({ requests, latency }, i) {
      const route = ROUTES[i % ROUTES.length]
      requests.labels({ route }).add()
      latency.labels({ route }).observe((i % 100) / 100)
    },
    scraper(set) {
      const { Registry } = require('prom-client')
      const registry = new Registry()
      require('rseq/prom-client').registerStore(set.store, { registers: [registry] })
      return () => registry.metrics()
    },
  },
  'prom-client': library('prom-client', 'AggregatorRegistry'),
  '@prometheus-io/client': library('@prometheus-io/client', 'ClusterRegistry'),
}

// A library's own metrics in every worker's default registry, merged by its cluster registry in the primary.
function library(name, clusterClass) {
  let clusterRegistry
  return {
    setUp() {
      const prom = require(name)
      clusterRegistry ??= new prom[clusterClass]() // every process makes one (once): it answers the primary's requests
      if (cluster.isPrimary) return {}
      return {
        requests: new prom.Counter({ name: 'bench_requests_total', help: 'requests', labelNames: ['route'] }),
        latency: new prom.Histogram({ name: 'bench_latency_seconds', help: 'latency', labelNames: ['route'], buckets: BUCKETS }),
      }
    },
    work({ requests, latency }, i) {
      const route = ROUTES[i % ROUTES.length]
      requests.inc({ route })
      latency.observe({ route }, (i % 100) / 100)
    },
    scraper: () => () => clusterRegistry.clusterMetrics(),
  }
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function requestsIn(text) {
  let total = 0
  for (const line of text.split('\n')) if (line.startsWith('bench_requests_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1))
  return total
}

async function measure(mode, processes, scrapes) {
  const spec = MODES[mode]
  const set = spec.setUp()
  const workers = Array.from({ length: processes }, () => cluster.fork({ BENCH_MODE: mode, BENCH_STORE: process.env.BENCH_STORE }))
  // Only 'ready': the libraries send their own messages too (@prometheus-io/client announces its registry).
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.on('message', (message) => message === 'ready' && resolve()))))
  const scrape = spec.scraper(set)
  const expected = processes * ADDS
  for (let warm = 0; warm < 3; warm++) await scrape()
  const seen = requestsIn(await scrape())
  const pids = [process.pid, ...workers.map((worker) => worker.process.pid)]
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0)
  const times = []
  for (let round = 0; round < scrapes; round++) {
    const start = process.hrtime.bigint()
    await scrape()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  const cpuMs = ((pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore) * 1000) / scrapes
  times.sort((a, b) => a - b)
  // One worker killed: its adds are in the store, or gone with its registry.
  workers[0].process.kill('SIGKILL')
  await new Promise((resolve) => workers[0].once('exit', resolve))
  const afterKill = requestsIn(await scrape())
  for (const worker of workers.slice(1)) worker.kill()
  await Promise.all(workers.slice(1).map((worker) => new Promise((resolve) => worker.once('exit', resolve))))
  set.store?.close()
  return { mode, processes, expected, seen, medianMs: times[times.length >> 1], worstMs: times[times.length - 1], cpuMs, afterKill }
}

async function worker() {
  const spec = MODES[process.env.BENCH_MODE]
  const set = spec.setUp()
  for (let i = 0; i < ADDS; i++) spec.work(set, i)
  process.send('ready')
}

function observeSection() {
  const { compare, formatTable, returningZero } = require('../dist/bench/measure.js')
  const { MetricStore } = require('rseq')
  const store = MetricStore.create()
  const series = store.histogram('o_seconds', { labelNames: ['route'], buckets: BUCKETS, resolution: 1e-6 }).labels({ route: '/' })
  const promClient = new (require('prom-client').Histogram)({
    name: 'o_seconds',
    help: 'o',
    labelNames: ['route'],
    buckets: BUCKETS,
    registers: [],
  })
  const prometheusIo = new (require('@prometheus-io/client').Histogram)({
    name: 'o_seconds',
    help: 'o',
    labelNames: ['route'],
    buckets: BUCKETS,
    registers: [],
  })
  const promChild = promClient.labels({ route: '/' })
  const ioChild = prometheusIo.labels({ route: '/' })
  const values = Float64Array.from({ length: 64 }, (_, i) => (i * 0.21) % 12)
  let next = 0
  const results = compare(
    {
      'store series observe(v) (cached labels)': returningZero(() => series.observe(values[next++ & 63])),
      'prom-client Histogram labels(...) child observe(v)': returningZero(() => promChild.observe(values[next++ & 63])),
      '@prometheus-io/client labels(...) child observe(v)': returningZero(() => ioChild.observe(values[next++ & 63])),
      'prom-client observe({ route }, v)': returningZero(() => promClient.observe({ route: '/' }, values[next++ & 63])),
      '@prometheus-io/client observe({ route }, v)': returningZero(() => prometheusIo.observe({ route: '/' }, values[next++ & 63])),
    },
    options.quick ? { iterations: 300_000, rounds: 5 } : { iterations: 1_000_000, rounds: 9 },
  )
  console.log(formatTable(results))
}

async function primary() {
  const scrapes = Number(options.quick ? 10 : options.scrapes)
  const counts = options.processes.split(',').map(Number)
  console.log(
    `## cluster scrapes (node ${process.version}, ${counts.join(' / ')} worker processes, ${ADDS} requests and observations each, ${scrapes} scrapes)`,
  )
  console.log(
    '| processes | exporter | scrape median ms | worst ms | CPU ms per scrape (all processes) | counted | after one worker is SIGKILLed |',
  )
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |')
  for (const processes of counts) {
    for (const mode of Object.keys(MODES)) {
      process.env.BENCH_STORE = `/dev/shm/rseq-bench-cluster-${process.pid}-${processes}.metrics`
      const { MetricStore } = require('rseq')
      MetricStore.remove(process.env.BENCH_STORE)
      const row = await measure(mode, processes, scrapes)
      MetricStore.remove(process.env.BENCH_STORE)
      if (row.seen !== row.expected) throw new Error(`${mode} with ${processes} processes counted ${row.seen} of ${row.expected}`)
      console.log(
        `| ${processes} | ${mode === 'store' ? 'MetricStore (host-wide) + prom-client' : `${mode} ${mode === 'prom-client' ? 'AggregatorRegistry' : 'ClusterRegistry'}`} | ${row.medianMs.toFixed(2)} | ${row.worstMs.toFixed(2)} | ${row.cpuMs.toFixed(2)} | ${row.seen} | ${row.afterKill} of ${row.expected} |`,
      )
    }
  }
  console.log('\n## histogram observe(v), one thread (ns per call)')
  observeSection()
}

if (cluster.isPrimary) await primary()
else await worker()
