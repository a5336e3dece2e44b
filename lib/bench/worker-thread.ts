// One benchmark worker: attaches to the shared memory, then times `iterations` increments per request.
import { parentPort, workerData } from 'node:worker_threads'
import { currentCpu } from '../registration/current-cpu'
import { native } from '../binding/chosen-binding'
import { PerCpuCounter } from '../percpu/percpu-counter'
import { PerCpuHistogram } from '../percpu/percpu-histogram'

/** percpu: PerCpuCounter.add; fallback: the same in a worker forced to fallback; atomics: one shared
 * Atomics.add counter; sharded-atomics: Atomics.add on a 128-byte-apart cell picked by currentCpu() (both on
 * int64 cells, the counter's width);
 * percpu-histogram: PerCpuHistogram.observe on one shared histogram; prom-client: prom-client's
 * Histogram.observe on a histogram of the worker's own (prom-client cannot share one between threads). */
export type WorkerMethod = 'percpu' | 'fallback' | 'atomics' | 'sharded-atomics' | 'percpu-histogram' | 'prom-client'
export interface WorkerRequest {
  iterations: number
}
export interface WorkerResult {
  nsPerOp: number
  aborts: number
  /** prom-client: the observations the worker's own histogram holds. */
  ownCount?: number
}

/** Bounds both histogram methods use: prom-client's default buckets, in seconds. */
export const HISTOGRAM_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
// Observed values, cycling through every bucket (and past the last bound).
export const OBSERVED = Float64Array.from({ length: 64 }, (_, i) => (i * 0.21) % 12)

interface Measured {
  run(count: number): void
  ownCount?(): Promise<number>
}

function histogramObserver(method: WorkerMethod, buffer: SharedArrayBuffer): Measured {
  if (method === 'percpu-histogram') {
    const histogram = PerCpuHistogram.from(buffer)
    return {
      run(count) {
        for (let i = 0; i < count; i++) histogram.observe(OBSERVED[i & 63])
      },
    }
  }
  // Loaded only here: prom-client is an optional peer dependency, and rseq-bench skips this method without it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- prom-client is an optional peer dependency, loaded only when this method runs
  const prom = require('prom-client') as typeof import('prom-client')
  const histogram = new prom.Histogram({ name: 'bench_seconds', help: 'bench', buckets: HISTOGRAM_BOUNDS, registers: [] })
  return {
    run(count) {
      for (let i = 0; i < count; i++) histogram.observe(OBSERVED[i & 63])
    },
    async ownCount() {
      const { values } = await histogram.get()
      return values.find((value) => value.metricName === 'bench_seconds_count')?.value ?? 0
    },
  }
}

function measured(method: WorkerMethod, buffer: SharedArrayBuffer): Measured {
  if (method === 'percpu-histogram' || method === 'prom-client') return histogramObserver(method, buffer)
  return { run: incrementer(method, buffer) }
}

function incrementer(method: WorkerMethod, buffer: SharedArrayBuffer): (count: number) => void {
  if (method === 'percpu' || method === 'fallback') {
    const add = PerCpuCounter.from(buffer).add
    return (count) => {
      for (let i = 0; i < count; i++) add()
    }
  }
  // int64 cells, as the per-CPU counter's are: one 128 bytes (16 cells) apart per CPU for the sharded method.
  const cells = new BigInt64Array(buffer)
  if (method === 'atomics') {
    return (count) => {
      for (let i = 0; i < count; i++) Atomics.add(cells, 0, 1n)
    }
  }
  return (count) => {
    for (let i = 0; i < count; i++) Atomics.add(cells, currentCpu() * 16, 1n)
  }
}

if (parentPort !== null) {
  const port = parentPort
  const { method, buffer } = workerData as { method: WorkerMethod; buffer: SharedArrayBuffer }
  const target = measured(method, buffer)
  target.run(10_000) // WARMUP_INCREMENTS: compiled before the first timed round
  port.postMessage('ready')
  port.on('message', async ({ iterations }: WorkerRequest) => {
    const abortsBefore = native.threadAborts()
    const start = process.hrtime.bigint()
    target.run(iterations)
    const nsPerOp = Number(process.hrtime.bigint() - start) / iterations
    const aborts = native.threadAborts() - abortsBefore
    const ownCount = target.ownCount ? await target.ownCount() : undefined
    port.postMessage({ nsPerOp, aborts, ownCount } satisfies WorkerResult)
  })
}
