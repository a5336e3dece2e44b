#!/usr/bin/env node
// Writes the benchmark figures of README.md and docs/benchmarks.md from the recorded runs, so that every such
// figure lives in one JSON file and comes from one dated run:
//   docs/bench.json            `npm run bench -- --json docs/bench.json` (Node 20)
//   docs/rseq-bench.json       `npx rseq-bench --json docs/rseq-bench.json --svg docs/rseq-bench.svg` (Node 20)
//   docs/runtimes-bench.json   `npm run bench:runtimes -- --json docs/runtimes-bench.json`
//   docs/call-parts.json       `node scripts/runtimes/call-parts.mjs --json docs/call-parts.json`
// Each figure goes between the markers `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` of its region.
//   node scripts/bench-tables.mjs [--check]    --check: exit 1 if a region differs from the JSON
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchRunLine, clusterParts, collectTable, designTargetsTable, storeTable } from './bench-targets.mjs'
import { ADD, fastCallTargetsTable, figuresOf, runtimesRunLine, runtimesTable, SHARDED } from './runtimes/table.mjs'
import { callPartsTables } from './runtimes/call-parts-table.mjs'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { reportText } = require(path.join(root, 'dist', 'bench', 'bench-report.js'))
const contract = JSON.parse(readFileSync(path.join(root, 'docs', 'bench.json'), 'utf8'))
const bench = JSON.parse(readFileSync(path.join(root, 'docs', 'rseq-bench.json'), 'utf8'))
const runtimes = JSON.parse(readFileSync(path.join(root, 'docs', 'runtimes-bench.json'), 'utf8'))
const callParts = callPartsTables(JSON.parse(readFileSync(path.join(root, 'docs', 'call-parts.json'), 'utf8')))

const grouped = (ns) => Math.round(ns).toLocaleString('en-US')
const fixed = (ns) => ns.toFixed(1)
/** "a-b" over figures, or "a" where they agree to the digit shown. */
function range(values, format = fixed) {
  const texts = [Math.min(...values), Math.max(...values)].map(format)
  return texts[0] === texts[1] ? texts[0] : texts.join('-')
}
const major = (report) => Number(report.runtime.version.split('.')[0])

/** The reports of a runtime on a call path, in the order recorded. */
const reportsOf = (name, callPath) => runtimes.reports.filter((report) => report.runtime.name === name && report.callPath === callPath)
const median = (report, method) => {
  const figure = figuresOf(report)[method]
  if (figure === undefined) throw new Error(`docs/runtimes-bench.json: ${report.runtime.name} ${report.runtime.version} has no "${method}"`)
  return figure.median
}

// Node through N-API (the Nodes without a fast-calls build) and through V8 fast calls.
const nodeNapi = reportsOf('node', 'napi')
const nodeFast = reportsOf('node', 'v8:fast')
/** The range of `method`'s medians over `reports`. */
const medians = (reports, method) => range(reports.map((report) => median(report, method)))
const nodes = (reports) => `Node ${range(reports.map(major), String)}`

/** The one report of a runtime on a call path. */
function only(name, callPath) {
  const [report, ...more] = reportsOf(name, callPath)
  if (report === undefined || more.length > 0) throw new Error(`docs/runtimes-bench.json: expected one ${name} run on ${callPath}`)
  return report
}

// The README's "when the plain tool is better": N-API in the oldest Node, fast calls in the others, each FFI runtime.
function plainToolFigures() {
  const [bun, deno] = [only('bun', 'bun:ffi'), only('deno', 'deno:ffi')]
  const unoptimized = nodeFast.map((report) => report.unoptimizedCaller['PerCpuCounter.add(), caller not optimized'].ratio)
  return (
    `\`Atomics.add\` on your own int64 cell picked by \`currentCpu()\` is exact and native-free:\n` +
    `${medians(nodeNapi, SHARDED)} ns against ${medians(nodeNapi, ADD)} ns ` +
    `for \`add()\` through N-API in ${nodes(nodeNapi)}, and \`add()\` from a caller V8 has not optimized yet costs ` +
    `${range(unoptimized, (ratio) => ratio.toFixed(2))}x an empty N-API call.\nOptimized, \`add()\` costs ` +
    `${medians(nodeFast, ADD)} ns against ${medians(nodeFast, SHARDED)} ns in ` +
    `${nodes(nodeFast)} (V8 fast calls), ${fixed(median(bun, ADD))} against ${fixed(median(bun, SHARDED))} in Bun, ` +
    `${fixed(median(deno, ADD))} against ${fixed(median(deno, SHARDED))} in Deno`
  )
}

// The README's runtime table: versions from the runs, what each call path costs for add().
function runtimeRows() {
  const versions = (name) => [
    ...new Set(runtimes.reports.filter((report) => report.runtime.name === name).map((report) => report.runtime.version)),
  ]
  const addOf = (name, callPath) => fixed(median(only(name, callPath), ADD))
  const fastNodes = range(nodeFast.map(major), String).replace('-', ' to ')
  return [
    '| runtime | version | result |',
    '| --- | --- | --- |',
    `| Node.js | ${versions('node').join(', ')} | everything passes: through V8 fast calls on Node ${fastNodes} (\`add()\` ${medians(nodeFast, ADD)} ns), through N-API (${medians(nodeNapi, ADD)} ns on ${nodes(nodeNapi)}) and on the portable path |`,
    `| Bun | ${versions('bun').join(', ')} | everything passes, through \`bun:ffi\` (\`add()\` ${addOf('bun', 'bun:ffi')} ns), through N-API (${addOf('bun', 'napi')} ns) and on the portable path |`,
    `| Deno | ${versions('deno').join(', ')} | everything passes, through \`Deno.dlopen\` (\`add()\` ${addOf('deno', 'deno:ffi')} ns) and N-API with \`--allow-read --allow-env --allow-ffi\`, on the portable path without \`--allow-ffi\` |`,
  ].join('\n')
}

// The README's current-CPU figures, from the development machine's rseq-bench run.
function currentCpuFigures() {
  const figures = bench.singleThread.figures
  return (
    `${fixed(figures['currentCpu()'].median)} ns, against ${fixed(figures['N-API sched_getcpu()'].median)} ns for an N-API call to \`sched_getcpu()\` and\n` +
    // The second line of a list item, indented as one.
    `  ${grouped(figures['getcpu system call'].median)} ns for the system call in Node ${major(bench)} here`
  )
}

// docs/benchmarks.md: the rseq-bench run as the command printed it, and the runtime matrix's table.
function benchRun() {
  const { machine, runtime, strategy, callPath, date } = bench
  return (
    `On the development machine (${machine.cpuModel}, ${machine.cpus} vCPUs, Linux ${machine.kernel.split('-')[0]}, glibc ${machine.glibc}, ` +
    `${runtime.name === 'node' ? 'Node' : runtime.name} ${runtime.version}, strategy \`${strategy}\`,\ncall path \`${callPath}\`), ` +
    `${date.slice(0, 10)} (the JSON is in \`docs/rseq-bench.json\`):\n\n\`\`\`\n${reportText(bench)}\`\`\``
  )
}

// docs/benchmarks.md: Bun's and Deno's add() through their FFI, against their empty call and the sharded Atomics.add.
function ffiAdd() {
  const [bun, deno] = [only('bun', 'bun:ffi'), only('deno', 'deno:ffi')]
  const ratio = (report) => figuresOf(report)[ADD].ratio.toFixed(2)
  return (
    `\`add()\` ${fixed(median(bun, ADD))} and ${fixed(median(deno, ADD))} ns (${ratio(bun)}x and ${ratio(deno)}x their empty N-API call), ` +
    `against\n${fixed(median(bun, SHARDED))} and ${fixed(median(deno, SHARDED))} ns for the sharded \`Atomics.add\` on int64 cells`
  )
}

const runtimesRun = () => `${runtimesRunLine(runtimes)}\n\n${runtimesTable(runtimes)}`

// The restart self-test's spread over the fresh processes of `npm run bench`.
function selfTestSpread() {
  const { selfTest } = contract
  if (selfTest.median === undefined) return `was not run (${selfTest.notRun})`
  return `took ${selfTest.min.toFixed(2)} to ${selfTest.max.toFixed(2)} ms across the ${selfTest.runs} processes`
}

// bench-cluster.mjs's output in docs/bench.json, read once for its three regions.
let cluster
const clusterOf = () => (cluster ??= clusterParts(contract))

const benchmarks = path.join('docs', 'benchmarks.md')
const regions = [
  { file: benchmarks, name: 'bench-run', text: () => benchRunLine(contract) },
  { file: benchmarks, name: 'design-targets', text: () => designTargetsTable(contract), block: true },
  { file: benchmarks, name: 'self-test-spread', text: selfTestSpread },
  { file: benchmarks, name: 'store-bench', text: () => storeTable(contract), block: true },
  { file: benchmarks, name: 'store-collect', text: () => collectTable(contract), block: true },
  { file: benchmarks, name: 'cluster-node', text: () => clusterOf().node },
  { file: benchmarks, name: 'cluster-scrapes', text: () => clusterOf().scrapes, block: true },
  { file: benchmarks, name: 'cluster-observe', text: () => `\`\`\`\n${clusterOf().observe}\n\`\`\``, block: true },
  { file: 'README.md', name: 'current-cpu', text: currentCpuFigures },
  { file: 'README.md', name: 'plain-tool', text: plainToolFigures },
  // Its start marker ends the sentence before the table.
  { file: 'README.md', name: 'runtime-table', text: () => `\n${runtimeRows()}`, block: true },
  { file: benchmarks, name: 'rseq-bench', text: benchRun, block: true },
  { file: benchmarks, name: 'runtimes-bench', text: runtimesRun, block: true },
  { file: benchmarks, name: 'ffi-add', text: ffiAdd },
  { file: benchmarks, name: 'fast-call-targets', text: () => fastCallTargetsTable(runtimes), block: true },
  { file: benchmarks, name: 'call-parts-run', text: () => callParts.dated },
  { file: benchmarks, name: 'optimized-parts', text: () => callParts.optimized, block: true },
  { file: benchmarks, name: 'slow-path-parts', text: () => callParts.slowPath, block: true },
]

const check = process.argv.includes('--check')
let stale = 0
const pages = new Map()
for (const { file, name, text, block } of regions) {
  const page = pages.get(file) ?? readFileSync(path.join(root, file), 'utf8')
  const [start, end] = [`<!-- generated:${name} -->`, `<!-- /generated:${name} -->`]
  const from = page.indexOf(start)
  const to = page.indexOf(end, from)
  if (from === -1 || to === -1) throw new Error(`${file} has no region ${start} ... ${end}`)
  if (page.indexOf(start, from + 1) !== -1) throw new Error(`${file} has the region ${start} twice`)
  // A block region's markers stand on lines of their own; an inline one's sit in the sentence.
  const wanted = block ? `\n${text()}\n` : text()
  const current = page.slice(from + start.length, to)
  if (current !== wanted) {
    stale++
    if (check) process.stderr.write(`${file}: the region ${name} is not what the JSON says; run node scripts/bench-tables.mjs\n`)
  }
  pages.set(file, page.slice(0, from + start.length) + wanted + page.slice(to))
}
if (check) process.exitCode = stale === 0 ? 0 : 1
else for (const [file, page] of pages) writeFileSync(path.join(root, file), page)
