// The runtime matrix's benchmark as Markdown, from what `npm run bench:runtimes -- --json FILE` records
// ({ bareSequenceNs, reports }: one rseq-bench report per runtime and call path, and the bare C++ sequence
// measured in the same run): printed by that run, and written into docs/benchmarks.md by scripts/bench-tables.mjs.

import { outcome } from '../bench-targets.mjs'

/** The rows the tables here and scripts/bench-tables.mjs pick out of a report, by the names rseq-bench gives them. */
export const EMPTY = 'N-API empty call'
export const ADD = 'PerCpuCounter.add()'
export const SHARDED = 'Atomics.add sharded by currentCpu()'

/** A figure as every runtime table shows it: ns/op, and its ratio to the empty N-API call of the same run. */
export const nsWithRatio = (median, ratio) => `${median.toFixed(1)} (${ratio.toFixed(2)}x)`

/** Every single-thread row of a report and, where the call path is V8 fast calls, those of a caller not yet optimized. */
export const figuresOf = (report) => ({ ...report.singleThread.figures, ...(report.unoptimizedCaller ?? {}) })

/** The line that dates the run and names the machine. */
export function runtimesRunLine({ reports }) {
  const { date, machine, strategy } = reports[0]
  return (
    `${date.slice(0, 10)}, ${machine.cpuModel}, ${machine.cpus} CPUs, Linux ${machine.kernel}, glibc ${machine.glibc}, ` +
    `strategy ${strategy}; medians of interleaved rounds, one run per runtime`
  )
}

/** One column per runtime and call path: ns/op and the ratio to that runtime's empty N-API call. */
export function runtimesTable({ bareSequenceNs, reports }) {
  const methods = [...new Set(reports.flatMap((report) => Object.keys(figuresOf(report))))]
  const header = [
    'ns/op (x empty N-API call)',
    ...reports.map((report) => `${report.runtime.name} ${report.runtime.version} (${report.callPath})`),
  ]
  const lines = [`| ${header.join(' | ')} |`, `| --- |${reports.map(() => ' ---: |').join('')}`]
  for (const method of methods) {
    const cells = reports.map((report) => {
      const figure = figuresOf(report)[method]
      return figure === undefined ? '-' : nsWithRatio(figure.median, figure.ratio)
    })
    lines.push(`| ${method} | ${cells.join(' | ')} |`)
  }
  const addOf = (report) => report.singleThread.figures[ADD].median
  lines.push(
    `| bare C++ sequence (no JavaScript), ${bareSequenceNs.toFixed(2)} ns: add() / it | ${reports.map((report) => `${(addOf(report) / bareSequenceNs).toFixed(2)}x`).join(' | ')} |`,
  )
  return lines.join('\n')
}

// The targets of Node's V8 fast-call path, per Node that runs it: each a ratio of two figures of that Node's report.
const FAST_CALL_TARGETS = [
  { label: '`add()` at most 0.6x the empty N-API call', of: ADD, over: EMPTY, target: 0.6 },
  {
    label: '`add()` at most 0.5x `Atomics.add` sharded by `currentCpu()`',
    of: ADD,
    over: SHARDED,
    target: 0.5,
    shown: true,
  },
  { label: '`add(n)` at most 1.1x `add()`', of: 'PerCpuCounter.add(n), n a number', over: ADD, target: 1.1 },
  { label: '`observe(v)` at most 1.0x the empty N-API call', of: 'PerCpuHistogram.observe(v)', over: EMPTY, target: 1 },
  { label: "a store series' `add()` at most 1.1x `add()`", of: 'CounterSeries.add(), a MetricStore series', over: ADD, target: 1.1 },
  {
    label: 'the slow path (caller not optimized) at most 1.0x the empty N-API call',
    of: 'PerCpuCounter.add(), caller not optimized',
    over: 'N-API empty call, caller not optimized',
    target: 1,
  },
]

/** A ratio to two decimals, or three where two would round a miss onto the target (0.5009 is not 0.50). */
const ratioText = (ratio, target) => (ratio > target && Number(ratio.toFixed(2)) <= target ? ratio.toFixed(3) : ratio.toFixed(2))

/** The fast-call targets against the reports on `v8:fast`, a column per Node and whether every Node meets each. */
export function fastCallTargetsTable({ reports }) {
  const fast = reports.filter((report) => report.callPath === 'v8:fast')
  const lines = [
    `| target | ${fast.map((report) => `Node ${report.runtime.version.split('.')[0]}`).join(' | ')} | |`,
    `| --- |${fast.map(() => ' --- |').join('')} --- |`,
  ]
  for (const { label, of, over, target, shown } of FAST_CALL_TARGETS) {
    const ratios = fast.map((report) => {
      const figures = figuresOf(report)
      return { of: figures[of].median, over: figures[over].median, ratio: figures[of].median / figures[over].median }
    })
    const cells = ratios.map(
      ({ of: a, over: b, ratio }) => `${shown ? `${a.toFixed(1)} / ${b.toFixed(1)}: ` : ''}${ratioText(ratio, target)}x`,
    )
    lines.push(
      `| ${label} | ${cells.join(' | ')} | ${outcome(Math.max(...ratios.map(({ ratio }) => ratio)), { target, better: 'lower' })} |`,
    )
  }
  return lines.join('\n')
}
