// One benchmark worker: attaches to the shared memory, then times `iterations` increments per request.
import { parentPort, workerData } from 'node:worker_threads'
import { currentCpu } from '../cpu'
import { native } from '../binding'
import { PerCpuCounter } from '../percpu-counter'

/** percpu: PerCpuCounter.add; fallback: the same in a worker forced to fallback; atomics: one shared
 * Atomics.add counter; sharded-atomics: Atomics.add on a 128-byte-apart cell picked by currentCpu(). */
export type WorkerMethod = 'percpu' | 'fallback' | 'atomics' | 'sharded-atomics'
export interface WorkerRequest {
  iterations: number
}
export interface WorkerResult {
  nsPerOp: number
  aborts: number
}

function incrementer(method: WorkerMethod, buffer: SharedArrayBuffer): (count: number) => void {
  if (method === 'percpu' || method === 'fallback') {
    const add = PerCpuCounter.from(buffer).add
    return (count) => {
      for (let i = 0; i < count; i++) add()
    }
  }
  const cells = new Int32Array(buffer)
  if (method === 'atomics') {
    return (count) => {
      for (let i = 0; i < count; i++) Atomics.add(cells, 0, 1)
    }
  }
  return (count) => {
    for (let i = 0; i < count; i++) Atomics.add(cells, currentCpu() * 32, 1)
  }
}

if (parentPort !== null) {
  const port = parentPort
  const { method, buffer } = workerData as { method: WorkerMethod; buffer: SharedArrayBuffer }
  const increment = incrementer(method, buffer)
  increment(10_000) // WARMUP_INCREMENTS: compiled before the first timed round
  port.postMessage('ready')
  port.on('message', ({ iterations }: WorkerRequest) => {
    const abortsBefore = native.threadAborts()
    const start = process.hrtime.bigint()
    increment(iterations)
    const nsPerOp = Number(process.hrtime.bigint() - start) / iterations
    port.postMessage({ nsPerOp, aborts: native.threadAborts() - abortsBefore } satisfies WorkerResult)
  })
}
