// One process of a server: the HTTP app and its /metrics, counting into a host-wide MetricStore that every
// process of the server shares (node:cluster workers from server.js, or PM2's cluster instances from
// ecosystem.config.js). Any process answers /metrics with the totals of all of them, read from memory: no
// IPC, no per-process registry to merge, and a process that dies or restarts loses no completed count.
//   GET /work?n=N         counts the primes below N (some CPU work); counted, and N observed in work_size
//   GET /hello            a small answer; counted
//   GET /metrics          prom-client's text format (registerStore from rseq/prom-client)
//   GET /metrics/prometheus-io, /metrics/opentelemetry
//                         the same store through @prometheus-io/client, or OpenTelemetry's Prometheus
//                         exporter fed by rseq/opentelemetry's producer, where those packages are installed
// Environment: PORT (default 9464), HOST (default 127.0.0.1), METRICS_STORE (default /dev/shm/cluster-server.metrics).
const http = require('node:http')
const { MetricStore } = require('rseq')

const store = MetricStore.open(process.env.METRICS_STORE ?? 'cluster-server.metrics')
const requests = store.counter('http_requests_total', { labelNames: ['method', 'route', 'status'], help: 'HTTP requests answered' })
// From the request's arrival to the end of its answer (handed to the kernel), by route. The buckets fit what
// this app does: /hello answers in tens of microseconds, /work in tens of microseconds to a second or so.
const duration = store.histogram('http_request_duration_seconds', {
  labelNames: ['route'],
  buckets: [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  resolution: 1e-9,
  help: 'Time from the request to the end of its answer, by route',
})
const workSize = store.histogram('work_size', { buckets: [1000, 10000, 100000, 1000000, 10000000], help: 'The n of /work requests' })
// A gauge is one value for the whole server: the n of the last /work request, whichever process took it.
const lastWork = store.gauge('work_last_size', { help: 'The n of the last /work request' }).labels()

// Each exposition: a function answering a scrape, or why it is not available.
const expositions = {
  '/metrics': () => {
    const { Registry } = require('prom-client')
    const registry = new Registry()
    require('rseq/prom-client').registerStore(store, { registers: [registry] })
    return async (response) => {
      response.writeHead(200, { 'content-type': registry.contentType })
      response.end(await registry.metrics())
    }
  },
  '/metrics/prometheus-io': () => {
    const { Registry } = require('@prometheus-io/client')
    const registry = new Registry()
    require('rseq/prometheus-io-client').registerStore(store, { registers: [registry] })
    return async (response) => {
      response.writeHead(200, { 'content-type': registry.contentType })
      response.end(await registry.metrics())
    }
  },
  '/metrics/opentelemetry': () => {
    const { MeterProvider } = require('@opentelemetry/sdk-metrics')
    const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus')
    const { StoreMetricProducer } = require('rseq/opentelemetry')
    const exporter = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: true,
      metricProducers: [new StoreMetricProducer(store)],
    })
    new MeterProvider({ readers: [exporter] })
    return async (response, request) => exporter.getMetricsRequestHandler(request, response)
  },
}
const scrapes = {}
for (const [path, make] of Object.entries(expositions)) {
  try {
    scrapes[path] = make()
  } catch (error) {
    const reason = error.message.split('\n')[0]
    scrapes[path] = async (response) => {
      response.writeHead(501, { 'content-type': 'text/plain' })
      response.end(`not available here: ${reason}\n`)
    }
  }
}

// Each series handle is made once and cached: its add() and observe() are the per-CPU hot path.
const counted = new Map()
function count(method, route, status) {
  const key = `${method} ${route} ${status}`
  let series = counted.get(key)
  if (series === undefined) counted.set(key, (series = requests.labels({ method, route, status })))
  series.add()
}
const durations = new Map()
function observeDuration(route, started) {
  let series = durations.get(route)
  if (series === undefined) durations.set(route, (series = duration.labels({ route })))
  series.observe(Number(process.hrtime.bigint() - started) / 1e9)
}

function countPrimesBelow(n) {
  const composite = new Uint8Array(n)
  let primes = 0
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue
    primes++
    for (let multiple = i * i; multiple < n; multiple += i) composite[multiple] = 1
  }
  return primes
}

const server = http.createServer(async (request, response) => {
  const started = process.hrtime.bigint()
  const url = new URL(request.url, 'http://localhost')
  if (url.pathname in scrapes) return scrapes[url.pathname](response, request)
  let status = 200
  let body
  if (url.pathname === '/work') {
    const n = Number(url.searchParams.get('n') ?? '10000')
    if (Number.isSafeInteger(n) && n >= 2 && n <= 10_000_000) {
      body = { n, primes: countPrimesBelow(n), pid: process.pid }
      workSize.observe(n)
      lastWork.set(n)
    } else {
      status = 400
      body = { error: 'n must be an integer from 2 to 10000000' }
    }
  } else if (url.pathname === '/hello') {
    body = { hello: 'world', pid: process.pid }
  } else {
    status = 404
    body = { error: 'GET /work?n=N, /hello or /metrics' }
  }
  // Counted before the answer is sent: an answered request is always in the store. Its duration is observed
  // once the whole answer is written, or the connection closed before that ('close' comes either way, once).
  const route = status === 404 ? 'other' : url.pathname
  count(request.method, route, String(status))
  response.once('close', () => observeDuration(route, started))
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body) + '\n')
})

server.listen(Number(process.env.PORT ?? 9464), process.env.HOST ?? '127.0.0.1', () => {
  process.send?.({ listening: server.address().port })
})

process.on('SIGTERM', () => server.close(() => process.exit(0)))
process.on('SIGINT', () => server.close(() => process.exit(0)))
