// A worker pool that does jobs for HTTP clients and counts them in an in-process MetricStore (per-CPU
// memory shared by the threads), with a Prometheus /metrics endpoint on the main thread that reads that
// memory at scrape time.
//   node examples/metrics-pool/server.js [--port 9464] [--workers N]
//   curl 'http://127.0.0.1:9464/work?n=20000'   a job: the primes below n, counted by a worker
//   curl http://127.0.0.1:9464/metrics           jobs_total and job_duration_seconds
// Workers attach to the store with MetricStore.from(); nothing is sent to the main thread to be counted,
// and no per-worker registry has to be merged.
const http = require('node:http')
const os = require('node:os')
const { Worker } = require('node:worker_threads')
const { parseArgs } = require('node:util')
const { Registry } = require('prom-client')
const { MetricStore } = require('rseq')
const { registerStore } = require('rseq/prom-client')
const { declareMetrics } = require('./metrics.js')

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '9464' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
  },
})

const store = MetricStore.create()
declareMetrics(store)
const registry = new Registry()
registerStore(store, { registers: [registry] })

// The pool: each job goes to the worker with the fewest jobs in flight.
const pool = Array.from({ length: Number(options.workers) }, () => {
  const worker = new Worker(require.resolve('./worker.js'), {
    workerData: { store: store.buffer },
  })
  const member = { worker, inFlight: 0, pending: new Map() }
  worker.on('message', ({ id, result }) => {
    member.inFlight--
    member.pending.get(id)(result)
    member.pending.delete(id)
  })
  return member
})
let nextId = 0

function runJob(n) {
  const member = pool.reduce((least, candidate) => (candidate.inFlight < least.inFlight ? candidate : least))
  const id = nextId++
  member.inFlight++
  return new Promise((resolve) => {
    member.pending.set(id, resolve)
    member.worker.postMessage({ id, n })
  })
}

const server = http.createServer(async (request, response) => {
  const url = new URL(request.url, 'http://localhost')
  if (url.pathname === '/metrics') {
    response.writeHead(200, { 'content-type': registry.contentType })
    response.end(await registry.metrics())
  } else if (url.pathname === '/work') {
    const n = Number(url.searchParams.get('n') ?? '10000')
    if (!Number.isSafeInteger(n) || n < 2 || n > 10_000_000) {
      response.writeHead(400, { 'content-type': 'text/plain' })
      response.end('n must be an integer from 2 to 10000000\n')
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify(await runJob(n)) + '\n')
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' })
    response.end('GET /work?n=N or /metrics\n')
  }
})

// Loopback only: metrics are for a local scraper or sidecar.
server.listen(Number(options.port), '127.0.0.1', () => {
  const { port } = server.address()
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${port}`, workers: pool.length }))
})

function shutDown() {
  server.close()
  for (const { worker } of pool) worker.terminate()
}
process.on('SIGTERM', shutDown)
process.on('SIGINT', shutDown)
