// npm run bench: the figures of the design contract, measured in one run so that their ratios hold.
//   npm run bench [-- --quick]
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compare, formatTable } from './lib/measure.mjs'
import { measureWorkers } from './lib/worker-bench.mjs'

const require = createRequire(import.meta.url)
const rseq = require('rseq')
const { calibration } = require('rseq/internal')
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const quick = process.argv.includes('--quick')
const cores = os.availableParallelism()

// Every method returns a number so that the measuring loops treat them alike.
const returnsZero = (call) => () => {
  call()
  return 0
}

function verdict(ratio, target, better) {
  const met = better === 'higher' ? ratio >= target : ratio <= target
  return `${ratio.toFixed(2)}x (target ${better === 'higher' ? '>=' : '<='} ${target}x: ${met ? 'met' : 'NOT met'})`
}

function currentCpuSection() {
  console.log('## currentCpu()')
  const results = compare({
    'currentCpu()': rseq.currentCpu,
    'raw N-API sched_getcpu()': calibration.schedGetcpu,
    'raw N-API empty call': returnsZero(calibration.emptyCall),
  })
  console.log(formatTable(results))
  const ratio = results['raw N-API sched_getcpu()'].median / results['currentCpu()'].median
  console.log(`raw N-API sched_getcpu() / currentCpu(): ${verdict(ratio, 6, 'higher')}\n`)
}

function singleThreadAddSection() {
  console.log('## PerCpuCounter.add() on one thread')
  const counter = new rseq.PerCpuCounter()
  const results = compare({
    'PerCpuCounter.add()': returnsZero(() => counter.add()),
    'raw N-API empty call': returnsZero(calibration.emptyCall),
  })
  console.log(formatTable(results))
  const ratio = results['PerCpuCounter.add()'].median / results['raw N-API empty call'].median
  console.log(`add() / empty N-API call: ${verdict(ratio, 1.5, 'lower')}\n`)
}

const perCpuTotal = (buffer) => rseq.PerCpuCounter.from(buffer).value()
const int32Total = (buffer) => new Int32Array(buffer).reduce((a, b) => a + b, 0)

async function workersSection() {
  console.log(`## counters hammered by workers (${cores} cores)`)
  const options = { iterations: quick ? 200_000 : 1_000_000, rounds: quick ? 3 : 7 }
  const methods = {
    'PerCpuCounter.add()': () => ({ method: 'percpu', buffer: new rseq.PerCpuCounter().buffer, total: perCpuTotal }),
    'shared Atomics.add': () => ({ method: 'atomics', buffer: new SharedArrayBuffer(128), total: int32Total }),
    'Atomics.add sharded by currentCpu()': () => ({
      method: 'sharded-atomics',
      buffer: new SharedArrayBuffer(128 * os.cpus().length),
      total: int32Total,
    }),
  }
  const rows = {}
  for (const [name, make] of Object.entries(methods)) {
    for (const workers of [1, cores]) {
      const { method, buffer, total } = make()
      const result = await measureWorkers(method, workers, { ...options, buffer, total })
      if (!result.exact) throw new Error(`${name} with ${workers} workers lost or doubled increments`)
      rows[`${name}, ${workers} worker${workers > 1 ? 's' : ''}`] = result
    }
  }
  console.log(formatTable(rows))
  const one = rows['PerCpuCounter.add(), 1 worker'].median
  const all = rows[`PerCpuCounter.add(), ${cores} workers`].median
  const atomics = rows[`shared Atomics.add, ${cores} workers`].median
  console.log(`add() with ${cores} workers / with 1 worker: ${verdict(all / one, 1.25, 'lower')}`)
  console.log(`shared Atomics.add / add(), ${cores} workers: ${verdict(atomics / all, 3, 'higher')}\n`)
}

function nativeSection() {
  console.log('## the bare critical section (C++, no JavaScript)')
  const build = mkdtempSync(path.join(os.tmpdir(), 'rseq-bench-'))
  const binary = path.join(build, 'sequence_bench')
  const sources = ['thread_rseq', 'glibc_rseq', 'legacy_rseq', 'own_area', 'rseq_syscall', 'kernel_features', 'percpu_layout', 'percpu_ops']
  execFileSync('g++', [
    '-O2', '-std=c++17', '-D_GNU_SOURCE', '-pthread', '-o', binary,
    path.join(root, 'scripts', 'native-bench', 'sequence_bench.cc'),
    ...sources.map((name) => path.join(root, 'native', `${name}.cc`)),
    '-ldl',
  ])
  const figures = JSON.parse(execFileSync(binary, [String(quick ? 5_000_000 : 20_000_000), String(cores)], { encoding: 'utf8' }))
  const rows = {
    'rseq per-CPU add, 1 thread': figures.rseqAddUncontended,
    'lock xadd, 1 thread': figures.lockXaddUncontended,
    [`rseq per-CPU add, ${cores} threads`]: figures.rseqAddAllCores,
    [`lock xadd on one counter, ${cores} threads`]: figures.lockXaddContended,
  }
  for (const [name, row] of Object.entries(rows)) {
    if (!row.exact) throw new Error(`${name} lost or doubled increments`)
    console.log(`${name.padEnd(46)} ${row.nsPerOp.toFixed(2).padStart(13)} ns/op   aborts ${row.aborts}`)
  }
  const uncontended = figures.lockXaddUncontended.nsPerOp / figures.rseqAddUncontended.nsPerOp
  const contended = figures.lockXaddContended.nsPerOp / figures.rseqAddAllCores.nsPerOp
  console.log(`lock xadd / rseq add, uncontended: ${verdict(uncontended, 1, 'higher')}`)
  console.log(`contended lock xadd / rseq add, ${cores} threads: ${verdict(contended, 5, 'higher')}\n`)
}

const info = rseq.info()
console.log(`rseq bench: node ${process.version}, ${process.arch}, ${cores} cores, strategy ${info.strategy}\n`)
currentCpuSection()
singleThreadAddSection()
await workersSection()
nativeSection()
