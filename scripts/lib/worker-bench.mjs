// Per-operation cost of counter increments made by W workers at once, each timing its own loop.
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'

const workerFile = fileURLToPath(new URL('./worker-bench-thread.mjs', import.meta.url))

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export const WARMUP_INCREMENTS = 10_000

/**
 * Runs `method` ('percpu', 'atomics', 'sharded-atomics') on `workers` workers for `rounds` rounds of
 * `iterations` increments each, on `buffer`, whose total `total(buffer)` reads afterwards.
 * Returns { median, min, max } ns/op over every worker's every round, and whether the total was exact.
 */
export async function measureWorkers(method, workers, { iterations = 1_000_000, rounds = 7, buffer, total }) {
  const pool = Array.from({ length: workers }, () => new Worker(workerFile, { workerData: { method, buffer } }))
  await Promise.all(pool.map((worker) => new Promise((resolve) => worker.once('message', resolve))))
  const samples = []
  let expected = workers * WARMUP_INCREMENTS
  for (let round = 0; round < rounds; round++) {
    const results = pool.map((worker) => new Promise((resolve) => worker.once('message', resolve)))
    for (const worker of pool) worker.postMessage({ iterations })
    for (const nsPerOp of await Promise.all(results)) samples.push(nsPerOp)
    expected += workers * iterations
  }
  await Promise.all(pool.map((worker) => worker.terminate()))
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), exact: total(buffer) === expected }
}
