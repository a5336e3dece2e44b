// npm run bench: the figures of the design contract, with their targets, measured in one run so that
// their ratios hold. (`rseq-bench` measures more methods across worker counts; this checks the contract.)
//   npm run bench [-- --quick] [-- --json FILE]    FILE: every figure, for docs/bench.json (scripts/bench-tables.mjs
//                                                  writes docs/benchmarks.md's tables from it)
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import { TARGETS, outcome, verdict, workersRow } from './bench-targets.mjs'

const require = createRequire(import.meta.url)
const rseq = require('rseq')
const { calibration } = require('rseq/internal')
const { compare, formatTable, returningZero } = require('../dist/bench/measure.js')
const { measureWorkers } = require('../dist/bench/workers.js')
const { runSequenceBench, sequenceBenchUnavailable } = require('../dist/bench/native-sequence.js')
const { describeMachine } = require('../dist/cli/host-description.js')

const quick = process.argv.includes('--quick')
const jsonAt = process.argv.indexOf('--json')
const cores = os.availableParallelism()
// Every figure of the run, by section, for --json.
const record = {}

function currentCpuSection() {
  console.log('## currentCpu()')
  const results = compare({
    'currentCpu()': rseq.currentCpu,
    'raw N-API sched_getcpu()': calibration.schedGetcpu,
    'raw N-API empty call': returningZero(calibration.emptyCall),
  })
  console.log(formatTable(results))
  record.currentCpu = results
  const ratio = results['raw N-API sched_getcpu()'].median / results['currentCpu()'].median
  console.log(`raw N-API sched_getcpu() / currentCpu(): ${verdict(ratio, TARGETS.currentCpu)}\n`)
}

function singleThreadAddSection() {
  console.log('## per-CPU operations on one thread')
  const counter = new rseq.PerCpuCounter()
  const add = counter.add
  const histogram = new rseq.PerCpuHistogram({ buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], resolution: 1e-6 })
  const observe = histogram.observe
  const values = Float64Array.from({ length: 64 }, (_, i) => (i * 0.21) % 12)
  let next = 0
  const results = compare({
    'PerCpuCounter.add()': returningZero(() => add()),
    'PerCpuCounter.add(n), n a safe-integer number': returningZero(() => add(3)),
    'PerCpuHistogram.observe(v)': returningZero(() => observe(values[next++ & 63])),
    'raw N-API empty call': returningZero(calibration.emptyCall),
  })
  console.log(formatTable(results))
  record.singleThread = results
  const empty = results['raw N-API empty call'].median
  const addOne = results['PerCpuCounter.add()'].median
  console.log(`add() / empty N-API call: ${verdict(addOne / empty, TARGETS.add)}`)
  console.log(`add(n) / add(): ${verdict(results['PerCpuCounter.add(n), n a safe-integer number'].median / addOne, TARGETS.addN)}`)
  console.log(`observe(v) / empty N-API call: ${verdict(results['PerCpuHistogram.observe(v)'].median / empty, TARGETS.observe)}\n`)
}

async function workersSection() {
  console.log(`## counters hammered by workers (${cores} cores)`)
  const options = { iterations: quick ? 200_000 : 1_000_000, rounds: quick ? 3 : 7, cpus: os.cpus().length }
  const methods = {
    'PerCpuCounter.add()': 'percpu',
    'shared Atomics.add': 'atomics',
    'Atomics.add sharded by currentCpu()': 'sharded-atomics',
  }
  const rows = {}
  for (const [name, method] of Object.entries(methods)) {
    for (const workers of [1, cores]) {
      const result = await measureWorkers(method, workers, options)
      if (!result.exact) throw new Error(`${name} with ${workers} workers lost or doubled increments`)
      rows[workersRow(name, workers)] = result
    }
  }
  console.log(formatTable(rows))
  record.workers = rows
  const one = rows[workersRow('PerCpuCounter.add()', 1)].median
  const all = rows[workersRow('PerCpuCounter.add()', cores)].median
  const atomics = rows[workersRow('shared Atomics.add', cores)].median
  console.log(`add() with ${cores} workers / with 1 worker: ${verdict(all / one, TARGETS.workersFlat)}`)
  console.log(`shared Atomics.add / add(), ${cores} workers: ${verdict(atomics / all, TARGETS.sharedAtomics)}\n`)
}

function nativeSection() {
  console.log('## the bare critical section (C++, no JavaScript)')
  const unavailable = sequenceBenchUnavailable()
  if (unavailable) {
    record.native = { skipped: unavailable }
    return console.log(`skipped: ${unavailable}\n`)
  }
  const figures = runSequenceBench(quick ? 5_000_000 : 20_000_000, cores)
  record.native = { figures }
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
  console.log(`lock xadd / rseq add, uncontended: ${verdict(uncontended, TARGETS.lockXadd)}`)
  console.log(`contended lock xadd / rseq add, ${cores} threads: ${verdict(contended, TARGETS.contendedLockXadd)}\n`)
}

// The metric store: a cached series handle against the per-CPU counter it is built like, a labels() lookup,
// and collect() over 1,000 series with more and more processes attached to the store (each holding it mapped).
async function storeSection() {
  console.log('## the metric store')
  const file = `/dev/shm/rseq-bench-${process.pid}.metrics`
  rseq.MetricStore.remove(file)
  try {
    const store = rseq.MetricStore.open(file)
    const local = rseq.MetricStore.create()
    const requests = store.counter('bench_requests_total', { labelNames: ['method', 'status'] })
    const series = requests.labels({ method: 'GET', status: '200' })
    const seriesAdd = series.add
    const localAdd = local.counter('bench_total').labels().add
    const latency = store.histogram('bench_latency_seconds', {
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      resolution: 1e-6,
    })
    const observe = latency.labels().observe
    const level = store.gauge('bench_level').labels()
    const counterAdd = new rseq.PerCpuCounter().add
    const labels = { method: 'GET', status: '200' }
    const values = Float64Array.from({ length: 64 }, (_, i) => (i * 0.21) % 12)
    let next = 0
    const results = compare(
      {
        'PerCpuCounter.add()': returningZero(() => counterAdd()),
        'host-wide series.add()': returningZero(() => seriesAdd()),
        'in-process series.add()': returningZero(() => localAdd()),
        'host-wide series.add(n)': returningZero(() => seriesAdd(3)),
        'labels({ method, status }), existing': returningZero(() => requests.labels(labels)),
        'counter.add(1, labels), looked up per call': returningZero(() => requests.add(1, labels)),
        'host-wide series.observe(v)': returningZero(() => observe(values[next++ & 63])),
        'host-wide gauge.set(v)': returningZero(() => level.set(next++)),
        'host-wide gauge.inc()': returningZero(() => level.inc()),
        'raw N-API empty call': returningZero(calibration.emptyCall),
      },
      quick ? { iterations: 500_000, rounds: 5 } : {},
    )
    console.log(formatTable(results))
    console.log(
      `series.add() / PerCpuCounter.add(): ${verdict(results['host-wide series.add()'].median / results['PerCpuCounter.add()'].median, TARGETS.seriesAdd)}`,
    )
    // 1,000 series: 100 counters x 8 label sets and 20 histograms x 10, all with some counts.
    for (let metric = 0; metric < 100; metric++) {
      const counter = store.counter(`bench_c${metric}_total`, { labelNames: ['shard'] })
      for (let shard = 0; shard < 8; shard++) counter.add(shard + 1, { shard: String(shard) })
    }
    for (let metric = 0; metric < 20; metric++) {
      const histogram = store.histogram(`bench_h${metric}_seconds`, { buckets: [0.01, 0.1, 1, 10], labelNames: ['route'] })
      for (let route = 0; route < 10; route++) histogram.observe(route / 10, { route: `/${route}` })
    }
    const seriesCount = store.collect().reduce((total, metric) => total + metric.series.length, 0)
    const rows = {}
    const collect = []
    const attached = []
    for (const processes of [1, 2, 8, 32]) {
      while (attached.length + 1 < processes) attached.push(await attachedProcess(file, attached.length))
      const times = []
      for (let round = 0; round < (quick ? 50 : 200); round++) {
        const start = process.hrtime.bigint()
        store.collect()
        times.push(Number(process.hrtime.bigint() - start) / 1000)
      }
      times.sort((a, b) => a - b)
      const row = { median: times[times.length >> 1], min: times[0], max: times[times.length - 1] }
      collect.push({ processes, calls: times.length, ...row })
      rows[`collect(), ${seriesCount} series, ${processes} process${processes > 1 ? 'es' : ''} attached`] = row
    }
    for (const child of attached) child.stdin.end()
    console.log(formatTable(rows).replace('median ns/op', 'median us   '))
    record.store = { figures: results, seriesCount, collect }
    const worst = Math.max(...Object.values(rows).map((row) => row.median))
    console.log(
      `collect() of ${seriesCount} series: ${worst.toFixed(0)} us at most (target well under ${TARGETS.collectUs.target} us, flat in processes: ${worst < TARGETS.collectUs.target ? 'met' : 'NOT met'})\n`,
    )
  } finally {
    rseq.MetricStore.remove(file)
  }
}

// A process that opens the store, adds to a series of its own and keeps the store mapped until its stdin closes.
async function attachedProcess(file, id) {
  const script = `const s = require('rseq').MetricStore.open(${JSON.stringify(file)}); s.counter('bench_attached_total', { labelNames: ['process'] }).add(1, { process: '${id}' }); process.stdout.write('attached'); process.stdin.resume()`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve)
    child.once('exit', (code) => reject(new Error(`an attached process exited with ${code}`)))
  })
  return child
}

// The restart self-test runs once per process, when the package first loads: measured in fresh processes.
function selfTestSection() {
  console.log('## the restart self-test (once per process, at load)')
  if (rseq.info().selfTest.verdict === 'not-run') {
    record.selfTest = { notRun: rseq.info().selfTest.detail }
    return console.log(`not run here: ${rseq.info().selfTest.detail}\n`)
  }
  const runs = quick ? 5 : 15
  const costs = []
  for (let i = 0; i < runs; i++) {
    const script = `process.stdout.write(String(require('rseq').info().selfTest.microseconds))`
    costs.push(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) / 1000)
  }
  costs.sort((a, b) => a - b)
  const median = costs[costs.length >> 1]
  console.log(`${runs} processes: median ${median.toFixed(2)} ms, min ${costs[0].toFixed(2)}, max ${costs[costs.length - 1].toFixed(2)}`)
  record.selfTest = { runs, median, min: costs[0], max: costs[costs.length - 1] }
  console.log(`median: ${median.toFixed(2)} ms (target <= ${TARGETS.selfTestMs.target} ms: ${outcome(median, TARGETS.selfTestMs)})\n`)
}

// Cluster scrapes against prom-client's and @prometheus-io/client's cluster registries, in a process of its own
// under Node 24 (@prometheus-io/client and OpenTelemetry's SDK are for Node 22 and later), fetched like the
// runtime matrix's.
function clusterSection() {
  const fetched = execFileSync(process.execPath, [new URL('./runtimes/fetch.mjs', import.meta.url).pathname, 'node24'], {
    encoding: 'utf8',
  })
  const node = fetched.trim().split('\t')[1]
  const args = [new URL('./bench-cluster.mjs', import.meta.url).pathname, ...(quick ? ['--quick'] : [])]
  const output = execFileSync(node, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 })
  console.log(output)
  record.cluster = { output }
}

const info = rseq.info()
console.log(`rseq bench: node ${process.version}, ${process.arch}, ${cores} cores, strategy ${info.strategy}\n`)
currentCpuSection()
singleThreadAddSection()
await storeSection()
selfTestSection()
await workersSection()
nativeSection()
clusterSection()
if (jsonAt !== -1) {
  const machine = { ...describeMachine(), cores }
  const run = { tool: 'npm run bench', date: new Date().toISOString(), quick, machine, strategy: info.strategy, callPath: info.callPath }
  writeFileSync(process.argv[jsonAt + 1], JSON.stringify({ ...run, ...record }, null, 2) + '\n')
}
