// What call-parts.mjs measures, named once, and its record ({ date, machine, runs: [{ runtime, optimized, slowPath }] })
// as Markdown: printed by that run, and written into docs/benchmarks.md by scripts/bench-tables.mjs.
import { EMPTY, nsWithRatio } from './table.mjs'

/** From an optimized caller: add() (the fast call and one sequence), and observe(v) taken apart, each of its rows adding one part to the row before. */
export const OPTIMIZED_PARTS = [
  EMPTY,
  'add(): the fast call and one sequence',
  "A. observe(0), one bound, resolution 1: the call, placing the value, the bucket's sequence",
  "B. observe(2), the same histogram: A and the sum's sequence",
  'C. observe(v), 11 bounds, resolution 2^-20, v 0.3 each time: B and a search over 11 bounds',
  'D. observe(v), 11 bounds, resolution 1e-6, v 0.3 each time: C with a division instead of a product',
  "E. observe(v), C's histogram, 64 values in turn: C and the branches the values mispredict",
  "F. observe(v), D's histogram, 64 values in turn: the bench's observe(v)",
]

/** The call from a caller in Sparkplug, below Maglev and TurboFan, taken apart. */
export const SLOW_PATH_PARTS = [
  '1. N-API empty call',
  '2. a JavaScript function that only makes the empty call',
  "3. a cell's fast-calls method called directly: its slow callback, no add() around it",
  '4. add(): that method inside add()',
]

const cell = (spread, baseline) => nsWithRatio(spread.median, spread.median / baseline.median)
const header = (runs, title) => [
  `| ${[title, ...runs.map(({ runtime }) => `Node ${runtime.version}`)].join(' | ')} |`,
  `| --- |${runs.map(() => ' ---: |').join('')}`,
]

function partsTable(runs, which, parts, title) {
  const lines = header(runs, title)
  for (const part of parts) lines.push(`| ${part} | ${runs.map((run) => cell(run[which][part], run[which][parts[0]])).join(' | ')} |`)
  return lines
}

/** The slow callback with the frames of the empty call: the empty call, plus what calling the method costs over it. */
function slowCallbackAlone(run) {
  const [empty, wrappedEmpty, method] = SLOW_PATH_PARTS.map((part) => run.slowPath[part].median)
  return { median: empty + method - wrappedEmpty }
}

export function callPartsTables({ date, machine, runs }) {
  const dated = `${date.slice(0, 10)}, ${machine.cpuModel}, ${machine.cpus} CPUs, Linux ${machine.kernel}; ns per call (x the empty N-API call), medians of interleaved rounds, one run per Node`
  const optimized = partsTable(runs, 'optimized', OPTIMIZED_PARTS, 'from an optimized caller')
  const slow = partsTable(runs, 'slowPath', SLOW_PATH_PARTS, 'caller in Sparkplug (`--max-opt=1`)')
  slow.push(
    `| 1 + (3 - 2): the slow callback alone, with the empty call's frames | ${runs.map((run) => cell(slowCallbackAlone(run), run.slowPath[SLOW_PATH_PARTS[0]])).join(' | ')} |`,
  )
  return { dated, optimized: optimized.join('\n'), slowPath: slow.join('\n') }
}
