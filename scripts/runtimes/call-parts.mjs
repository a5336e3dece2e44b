#!/usr/bin/env node
// Where the time goes in the Node calls that miss their targets (docs/benchmarks.md, "The call paths"),
// taken apart through calls that differ by one part each, in every Node of versions.json that runs V8 fast
// calls, one run per Node (call-parts-table.mjs names the rows and says what each difference is):
//   optimized  from an optimized caller: add(), and observe(v) with less and less of its work left out
//   slowPath   from a caller in Sparkplug (--max-opt=1): the empty N-API call, a JavaScript function that
//              only calls it, a cell's fast-calls method called directly (its slow callback), and add()
//   node scripts/runtimes/call-parts.mjs [--json FILE]    (docs/call-parts.json; then node scripts/bench-tables.mjs)
// The Nodes without a fast-calls build (Node 18) have nothing to take apart here and are left out.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fetchRuntime, runtimes } from './fetch.mjs'
import { callPartsTables, OPTIMIZED_PARTS, SLOW_PATH_PARTS } from './call-parts-table.mjs'

const require = createRequire(import.meta.url)
const script = fileURLToPath(import.meta.url)
const root = path.resolve(path.dirname(script), '..', '..')
const dist = (module) => require(path.join(root, 'dist', ...module.split('/')))

/** A counter and its cell object of the fast-calls addon. */
function counterWithCell() {
  const { PerCpuCounter } = dist('index.js')
  const { native } = dist('binding/chosen-binding.js')
  const { fastCellFor } = dist('binding/call-path.js')
  const { cellsOf } = dist('percpu/percpu-cells.js')
  const counter = new PerCpuCounter()
  const fast = fastCellFor(() => native.counterHandle(cellsOf.get(counter).layout, 0, 'call-parts', false))
  if (fast === null) throw new Error('no fast cell: this Node does not run V8 fast calls')
  return { add: counter.add, cell: fast.cell }
}

/** The calls of one part list, each a () => number for compare(), in the calling process. */
function optimizedCalls() {
  const { PerCpuCounter, PerCpuHistogram } = dist('index.js')
  const { native } = dist('binding/chosen-binding.js')
  const { returningZero } = dist('bench/measure.js')
  const { HISTOGRAM_BOUNDS, OBSERVED } = dist('bench/worker-thread.js')
  const add = new PerCpuCounter().add
  const oneBound = new PerCpuHistogram({ buckets: [1], resolution: 1 }).observe
  // 2^-20: a power of two, which the native side multiplies by instead of dividing (histogram_buckets.h).
  const byProduct = new PerCpuHistogram({ buckets: HISTOGRAM_BOUNDS, resolution: 2 ** -20 }).observe
  const byDivision = new PerCpuHistogram({ buckets: HISTOGRAM_BOUNDS, resolution: 1e-6 }).observe
  // The same value each time, read as the varying ones are (an indexed load and a counter), so that E - C is the
  // values' doing alone.
  const same = new Float64Array(64).fill(0.3)
  let next = 0
  const calls = [
    native.calibration.emptyCall,
    () => add(),
    () => oneBound(0), // units 0: the sum's sequence is skipped
    () => oneBound(2),
    () => byProduct(same[next++ & 63]),
    () => byDivision(same[next++ & 63]),
    () => byProduct(OBSERVED[next++ & 63]),
    () => byDivision(OBSERVED[next++ & 63]),
  ]
  return Object.fromEntries(OPTIMIZED_PARTS.map((name, at) => [name, returningZero(calls[at])]))
}

function slowPathCalls() {
  const { native } = dist('binding/chosen-binding.js')
  const { returningZero } = dist('bench/measure.js')
  const { add, cell } = counterWithCell()
  const empty = native.calibration.emptyCall
  const calls = [empty, () => empty(), () => cell.counterAddInt32(1), add]
  return Object.fromEntries(SLOW_PATH_PARTS.map((name, at) => [name, returningZero(calls[at])]))
}

/** In a child: the medians of one part list as JSON on stdout, or null where fast calls do not run. */
function measureHere(which) {
  const { info } = dist('index.js')
  const { compare } = dist('bench/measure.js')
  if (info().callPath !== 'v8:fast') return null
  const options = which === 'optimized' ? { iterations: 2_000_000, rounds: 15 } : { iterations: 500_000, rounds: 11, warmup: 1 }
  return compare(which === 'optimized' ? optimizedCalls() : slowPathCalls(), options)
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(measureHere(process.argv[3])) + '\n')
} else if (process.argv[1] === script) {
  const measured = []
  for (const runtime of runtimes.filter((candidate) => candidate.kind === 'node')) {
    const node = fetchRuntime(runtime)
    const run = (flags, which) =>
      JSON.parse(
        execFileSync(node, [...flags, script, '--child', which], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
      )
    process.stderr.write(`${runtime.name} ${runtime.version}...\n`)
    const optimized = run([], 'optimized')
    if (optimized === null) continue
    measured.push({ runtime: { name: runtime.name, version: runtime.version }, optimized, slowPath: run(['--max-opt=1'], 'slowPath') })
  }
  const recorded = {
    date: new Date().toISOString(),
    machine: { cpuModel: os.cpus()[0]?.model ?? 'unknown', cpus: os.cpus().length, kernel: os.release() },
    runs: measured,
  }
  const { dated, optimized, slowPath } = callPartsTables(recorded)
  console.log(`${dated}\n\n${optimized}\n\n${slowPath}`)
  const jsonAt = process.argv.indexOf('--json')
  if (jsonAt !== -1) writeFileSync(process.argv[jsonAt + 1], JSON.stringify(recorded, null, 2) + '\n')
}
