// Per-operation cost of counter increments made by W workers at once, each timing its own loop.
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { PerCpuCounter } from '../percpu/percpu-counter'
import { PerCpuHistogram } from '../percpu/percpu-histogram'
import { spreadOf, type Spread } from './measure'
import { HISTOGRAM_BOUNDS, type WorkerMethod, type WorkerRequest, type WorkerResult } from './worker-thread'

export type { WorkerMethod } from './worker-thread'

export const WARMUP_INCREMENTS = 10_000

export interface WorkersFigure extends Spread {
  /** The increments of every worker summed to exactly what was added. */
  exact: boolean
  /** Aborted critical sections per million increments (0 where nothing runs on rseq). */
  abortsPerMillion: number
}

interface Shared {
  buffer: SharedArrayBuffer
  /** The total the shared memory holds; null where each worker keeps its own (prom-client). */
  total(): number | null
}

// Each method's shared memory and how to read its total back.
function sharedFor(method: WorkerMethod, cpus: number): Shared {
  if (method === 'percpu' || method === 'fallback') {
    const counter = new PerCpuCounter()
    return { buffer: counter.buffer, total: () => counter.value() }
  }
  if (method === 'percpu-histogram') {
    const histogram = new PerCpuHistogram({ buckets: HISTOGRAM_BOUNDS, resolution: 1e-6 })
    return { buffer: histogram.buffer, total: () => Number(histogram.snapshot().count) }
  }
  if (method === 'prom-client') return { buffer: new SharedArrayBuffer(8), total: () => null }
  const buffer = new SharedArrayBuffer(method === 'atomics' ? 128 : 128 * cpus)
  // int64 cells, as the per-CPU counter's are.
  return { buffer, total: () => Number(new BigInt64Array(buffer).reduce((sum, cell) => sum + cell, 0n)) }
}

// The worker's next message; its error instead, if it dies first. Both listeners go once either fires,
// so that rounds do not pile listeners up on long-lived workers.
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      worker.off('error', onError)
      resolve(message)
    }
    const onError = (error: Error) => {
      worker.off('message', onMessage)
      reject(error)
    }
    worker.once('message', onMessage)
    worker.once('error', onError)
  })
}

/**
 * Runs `method` on `workers` workers for `rounds` rounds of `iterations` increments each. `fallback` is
 * PerCpuCounter.add in workers started with RSEQ_STRATEGY=fallback.
 */
export async function measureWorkers(
  method: WorkerMethod,
  workers: number,
  { iterations, rounds, cpus }: { iterations: number; rounds: number; cpus: number },
): Promise<WorkersFigure> {
  const shared = sharedFor(method, cpus)
  const env = method === 'fallback' ? { ...process.env, RSEQ_STRATEGY: 'fallback' } : process.env
  const pool = Array.from(
    { length: workers },
    () => new Worker(path.join(__dirname, 'worker-thread.js'), { workerData: { method, buffer: shared.buffer }, env }),
  )
  try {
    await Promise.all(pool.map((worker) => nextMessage(worker)))
    const samples: number[] = []
    let aborts = 0
    let ownTotal = 0
    for (let round = 0; round < rounds; round++) {
      const results = pool.map((worker) => nextMessage<WorkerResult>(worker))
      for (const worker of pool) worker.postMessage({ iterations } satisfies WorkerRequest)
      ownTotal = 0
      for (const result of await Promise.all(results)) {
        samples.push(result.nsPerOp)
        aborts += result.aborts
        ownTotal += result.ownCount ?? 0
      }
    }
    const expected = workers * (WARMUP_INCREMENTS + rounds * iterations)
    return {
      ...spreadOf(samples),
      exact: (shared.total() ?? ownTotal) === expected,
      abortsPerMillion: (aborts / (workers * rounds * iterations)) * 1e6,
    }
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()))
  }
}
