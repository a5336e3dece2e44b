// One member of the pool in server.js: counts the primes below n, then records the job in the shared
// per-CPU counter and histogram (on whatever CPU this thread runs, with no lock and no message).
const { parentPort, threadId, workerData } = require('node:worker_threads')
const { PerCpuCounter, PerCpuHistogram } = require('rseq')

const jobs = PerCpuCounter.from(workerData.jobs)
const durations = PerCpuHistogram.from(workerData.durations)

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
  durations.observe(Number(process.hrtime.bigint() - start) / 1e9)
  jobs.add()
  parentPort.postMessage({ id, result: { n, primes, worker: threadId } })
})
