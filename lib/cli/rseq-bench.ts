#!/usr/bin/env node
// rseq-bench: what rseq buys on this host. Single-thread costs (current CPU, per-CPU operations, Atomics)
// against an empty N-API call, counters at 1..N workers four ways,
// histograms at 1..N workers against prom-client's, aborts per million rseq operations; a table, and
// optionally JSON and an SVG chart.
import { writeFileSync } from 'node:fs'
import * as os from 'node:os'
import { parseArgs } from 'node:util'
import { reportText, type BenchReport, type CounterRow, type MethodRows } from '../bench/bench-report'
import { BASELINE, measureSingleThread } from '../bench/single-thread'
import { measureUnoptimizedCaller, type UnoptimizedFigures } from '../bench/unoptimized-caller'
import { renderChart } from '../bench/chart'
import { measureWorkers, type WorkerMethod } from '../bench/workers'
import { describeMachine, describeRuntime } from './host-description'
import { threadInfo } from '../registration/thread-rseq'

const USAGE = `usage: rseq-bench [--workers N] [--quick] [--json FILE] [--svg FILE]

  --workers N   the largest worker count to measure counters at (default: the core count)
  --quick       a short run (under 10 s on 2 cores) for smoke tests
  --json FILE   every figure, with the machine and the strategy, as JSON
  --svg FILE    a chart of ns/op against workers, one line per method`

function runtimeLabel(): string {
  const runtime = describeRuntime()
  return runtime.name === 'node' ? `node ${runtime.version}` : `${runtime.name} ${runtime.version} (process.version ${process.version})`
}

const METHOD_NAMES: Record<WorkerMethod, string> = {
  percpu: 'PerCpuCounter.add (rseq)',
  fallback: 'PerCpuCounter.add (fallback)',
  atomics: 'shared Atomics.add',
  'sharded-atomics': 'Atomics.add sharded by currentCpu()',
  'percpu-histogram': 'PerCpuHistogram.observe (shared)',
  'prom-client': 'prom-client Histogram.observe (one per worker)',
}

function promClientInstalled(): boolean {
  try {
    require.resolve('prom-client')
    return true
  } catch {
    return false
  }
}

/** One sentence on what the counter figures mean for this host, from its largest worker count. */
function whatItMeans(counters: Partial<Record<WorkerMethod, CounterRow[]>>, registered: boolean): string {
  const last = (method: WorkerMethod) => counters[method]?.at(-1)
  const shared = last('atomics')
  const sharded = last('sharded-atomics')
  const percpu = last('percpu')
  if (!registered || percpu === undefined || shared === undefined || sharded === undefined) {
    return 'What this means here: rseq is not available to this thread (see `npx rseq doctor`), so PerCpuCounter runs on atomics; it stays exact, at the cost of the fallback row above.'
  }
  const workers = `${percpu.workers} worker${percpu.workers > 1 ? 's' : ''}`
  const versusShared = shared.median / percpu.median
  const versusSharded = sharded.median / percpu.median
  return (
    `What this means here: with ${workers}, PerCpuCounter.add costs ${percpu.median.toFixed(1)} ns against ` +
    `${shared.median.toFixed(1)} ns for one shared Atomics.add counter (${versusShared.toFixed(1)}x) and ` +
    `${sharded.median.toFixed(1)} ns for Atomics.add sharded by currentCpu() (${versusSharded.toFixed(1)}x): ` +
    (versusSharded >= 1
      ? 'per-CPU counters are the cheapest exact counters on this host.'
      : 'sharding Atomics.add by currentCpu() yourself is cheaper on this host; PerCpuCounter adds exact drains, labels and exporters.')
  )
}

// 1..N, thinned to powers of two (and N) past 8 so that a large host still finishes in time.
function workerCounts(max: number): number[] {
  if (max <= 8) return Array.from({ length: max }, (_, i) => i + 1)
  const counts = [1, 2, 4, 8]
  for (let count = 16; count < max; count *= 2) counts.push(count)
  return [...counts, max]
}

function progress(enabled: boolean) {
  return (text: string) => {
    if (enabled) process.stderr.write(`\r\x1b[K${text}`)
  }
}

async function main(argv: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        workers: { type: 'string' },
        quick: { type: 'boolean' },
        json: { type: 'string' },
        svg: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const maxWorkers = values.workers === undefined ? os.availableParallelism() : Number(values.workers)
  if (!Number.isInteger(maxWorkers) || maxWorkers < 1 || maxWorkers > 1024) {
    process.stderr.write(`rseq-bench: --workers must be an integer from 1 to 1024, got ${values.workers}\n`)
    return 2
  }
  if (threadInfo.strategy === 'portable') {
    // Its figures are ratios to native calls, and sharding needs the CPU: neither exists without the addon.
    process.stderr.write(`rseq-bench: it measures the native addon, and none is loaded here: ${threadInfo.reason}\n`)
    return 1
  }
  const quick = values.quick === true
  const show = progress(process.stderr.isTTY === true)

  show('single thread...')
  const singleThread = measureSingleThread(
    quick ? { iterations: 100_000, rounds: 5, warmup: 1 } : { iterations: 1_000_000, rounds: 15, warmup: 3 },
  )

  // Before TurboFan: where the call path is V8 fast calls, what a caller not yet optimized pays (slow callbacks).
  const unoptimized =
    threadInfo.callPath === 'v8:fast'
      ? (show('caller not optimized...'), measureUnoptimizedCaller(quick ? 100_000 : 1_000_000, quick ? 5 : 15))
      : null

  const methods: WorkerMethod[] = threadInfo.registered
    ? ['percpu', 'fallback', 'atomics', 'sharded-atomics']
    : ['fallback', 'atomics', 'sharded-atomics']
  const counts = workerCounts(maxWorkers)
  const workerOptions = quick
    ? { iterations: 100_000, rounds: 3, cpus: os.cpus().length }
    : { iterations: 2_000_000, rounds: 11, cpus: os.cpus().length }
  // Every method at every worker count, one after another.
  const measureAll = async (measured: WorkerMethod[]): Promise<Partial<Record<WorkerMethod, CounterRow[]>>> => {
    const rowsByMethod: Partial<Record<WorkerMethod, CounterRow[]>> = {}
    for (const method of measured) {
      const rows: CounterRow[] = (rowsByMethod[method] = [])
      for (const workers of counts) {
        show(`${METHOD_NAMES[method]}, ${workers} worker${workers > 1 ? 's' : ''}...`)
        rows.push({ workers, ...(await measureWorkers(method, workers, workerOptions)) })
      }
    }
    return rowsByMethod
  }
  const counters = await measureAll(methods)
  const histogramMethods: WorkerMethod[] = promClientInstalled() ? ['percpu-histogram', 'prom-client'] : ['percpu-histogram']
  const histograms = await measureAll(histogramMethods)
  show('')

  const info = { ...threadInfo }
  const named = (measured: WorkerMethod[], rowsByMethod: Partial<Record<WorkerMethod, CounterRow[]>>) =>
    Object.fromEntries(measured.map((method) => [method, { name: METHOD_NAMES[method], rows: rowsByMethod[method]! }])) as Partial<
      Record<WorkerMethod, MethodRows>
    >
  const figures: BenchReport = {
    singleThread: { baseline: BASELINE, figures: singleThread },
    ...(unoptimized === null
      ? {}
      : 'problem' in unoptimized
        ? { unoptimizedProblem: (unoptimized as { problem: string }).problem }
        : { unoptimizedCaller: unoptimized as UnoptimizedFigures }),
    counters: named(methods, counters),
    histograms: named(histogramMethods, histograms),
    meaning: whatItMeans(counters, info.registered),
  }
  process.stdout.write(
    `rseq-bench: ${os.cpus().length} CPUs, ${process.arch}, ${runtimeLabel()}, strategy ${info.strategy}, call path ${info.callPath}\n\n`,
  )
  process.stdout.write(reportText(figures))

  const exact = [...Object.values(counters), ...Object.values(histograms)].every((rows) => rows!.every((row) => row.exact))
  if (values.json) {
    const report = {
      tool: 'rseq-bench',
      date: new Date().toISOString(),
      quick,
      machine: describeMachine(),
      strategy: info.strategy,
      callPath: info.callPath,
      info,
      runtime: describeRuntime(),
      ...figures,
      exact,
    }
    writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n')
  }
  if (values.svg) {
    const machine = describeMachine()
    writeFileSync(
      values.svg,
      renderChart({
        title: `Counter increments, ${machine.cpus} CPUs (${machine.cpuModel}), strategy ${info.strategy}`,
        xLabel: 'workers adding at once',
        yLabel: 'median ns per increment, per worker (lower is better)',
        series: methods.map((method) => ({
          name: METHOD_NAMES[method],
          points: counters[method]!.map((row) => ({ x: row.workers, y: row.median })),
        })),
      }),
    )
  }
  if (!exact) {
    process.stderr.write('rseq-bench: a method lost or doubled increments (marked NOT EXACT above)\n')
    return 1
  }
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    process.stderr.write(`rseq-bench: ${(error as Error).stack}\n`)
    process.exitCode = 1
  },
)
