// One member of the pool in server.js: counts the primes below n, then records the job in the shared store
// (on whatever CPU this thread runs, with no lock and no message).
const { parentPort, threadId, workerData } = require('node:worker_threads')
const { MetricStore } = require('rseq')
const { declareMetrics } = require('./metrics.js')

const { jobs, durations } = declareMetrics(MetricStore.from(workerData.store))
// Series handles, made once: their add() and observe() are the per-CPU hot path.
const bySize = { small: jobs.labels({ size: 'small' }), large: jobs.labels({ size: 'large' }) }
const duration = durations.labels()

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

parentPort.on('message', ({ id, n }) => {
  const start = process.hrtime.bigint()
  const primes = countPrimesBelow(n)
  duration.observe(Number(process.hrtime.bigint() - start) / 1e9)
  bySize[n < 100000 ? 'small' : 'large'].add()
  parentPort.postMessage({ id, result: { n, primes, worker: threadId } })
})
