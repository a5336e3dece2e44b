// One benchmark worker: attaches to the shared counter, then times `iterations` increments per request.
import { createRequire } from 'node:module'
import { parentPort, workerData } from 'node:worker_threads'

const require = createRequire(import.meta.url)
const rseq = require('rseq')

function incrementer({ method, buffer }) {
  if (method === 'percpu') {
    const counter = rseq.PerCpuCounter.from(buffer)
    return (count) => {
      for (let i = 0; i < count; i++) counter.add()
    }
  }
  if (method === 'atomics') {
    const cells = new Int32Array(buffer)
    return (count) => {
      for (let i = 0; i < count; i++) Atomics.add(cells, 0, 1)
    }
  }
  if (method === 'sharded-atomics') {
    // Atomics on one 128-byte-apart cell per CPU, picked by currentCpu(): what users build without rseq.
    const cells = new Int32Array(buffer)
    return (count) => {
      for (let i = 0; i < count; i++) Atomics.add(cells, rseq.currentCpu() * 32, 1)
    }
  }
  throw new Error(`unknown method ${method}`)
}

const increment = incrementer(workerData)
increment(10_000) // WARMUP_INCREMENTS: warm up the JIT before the first timed round
parentPort.postMessage('ready')
parentPort.on('message', ({ iterations }) => {
  const start = process.hrtime.bigint()
  increment(iterations)
  parentPort.postMessage(Number(process.hrtime.bigint() - start) / iterations)
})
