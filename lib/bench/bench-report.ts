// A run of rseq-bench as data (what `--json` writes) and as the text the command prints: one function makes the
// text from the data, so the tables in the docs are regenerated from a recorded run's JSON and never retyped.
import { formatTable, type Spread } from './measure'
import type { SingleThreadFigure } from './single-thread'
import type { UnoptimizedFigures } from './unoptimized-caller'
import type { WorkerMethod, WorkersFigure } from './workers'

export interface CounterRow extends WorkersFigure {
  workers: number
}

/** The rows of one method measured at every worker count, under the name the tables show. */
export interface MethodRows {
  name: string
  rows: CounterRow[]
}

export interface BenchReport {
  singleThread: { baseline: string; figures: Record<string, SingleThreadFigure> }
  /** Where the call path is V8 fast calls: the same calls from a caller TurboFan has not optimized. */
  unoptimizedCaller?: UnoptimizedFigures
  /** Why those were not measured, where they should have been. */
  unoptimizedProblem?: string
  counters: Partial<Record<WorkerMethod, MethodRows>>
  histograms: Partial<Record<WorkerMethod, MethodRows>>
  /** The one sentence on what the counter figures mean for the host. */
  meaning: string
}

/** What the columns and row names mean, printed before the tables. */
function legend(baseline: string): string {
  return [
    'Each figure is the median of several rounds, in nanoseconds per operation, with the fastest and slowest round.',
    `"x ${baseline}": the figure over the cost of an empty call into native code, measured in the same run.`,
    '"1w", "2w", ...: that many worker threads doing the operation at once, the figure per worker and operation;',
    'per-CPU counters should stay flat as workers are added, one shared Atomics.add counter should not.',
  ].join('\n')
}

/** One table row per method and worker count, flagged where the totals were not exact. */
function workersTable(methods: Partial<Record<WorkerMethod, MethodRows>>): string {
  const rows: Record<string, Spread> = {}
  for (const { name, rows: measured } of Object.values(methods)) {
    for (const row of measured) rows[`${name}, ${row.workers}w${row.exact ? '' : ' (NOT EXACT)'}`] = row
  }
  return formatTable(rows)
}

/** The report as rseq-bench prints it, from the legend to the closing sentence. */
export function reportText(report: BenchReport): string {
  const { baseline, figures } = report.singleThread
  const parts = [legend(baseline), `## single thread (ns/op)\n${formatTable(figures, `x ${baseline}`)}`]
  if (report.unoptimizedCaller !== undefined) {
    parts.push(
      `## caller not optimized (node --max-opt=1: V8's slow callbacks; ns/op)\n${formatTable(report.unoptimizedCaller, 'x the same empty call')}`,
    )
  } else if (report.unoptimizedProblem !== undefined) {
    parts.push(`## caller not optimized: not measured (${report.unoptimizedProblem})`)
  }
  let counters = `## counters (ns/op per worker)\n${workersTable(report.counters)}`
  const percpu = report.counters.percpu
  if (percpu !== undefined) {
    counters += `\n\naborts per million rseq adds: ${percpu.rows.map((row) => `${row.workers}w ${row.abortsPerMillion.toFixed(2)}`).join(', ')}`
  }
  parts.push(counters)
  let histograms = `## histograms (ns/op per worker)\n${workersTable(report.histograms)}`
  if (report.histograms['prom-client'] === undefined)
    histograms += '\n(prom-client is not installed: npm install prom-client to compare with it)'
  parts.push(histograms, report.meaning)
  return `${parts.join('\n\n')}\n`
}
