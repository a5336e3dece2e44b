// The design contract's targets for `npm run bench` (each a ratio of two figures of one run, or a time), and
// the tables of docs/benchmarks.md made from what that run records with `--json` (docs/bench.json): the
// script's verdicts and the docs' tables read the same targets.

export const TARGETS = {
  currentCpu: { target: 6, better: 'higher' }, // N-API sched_getcpu() / currentCpu()
  add: { target: 1.5, better: 'lower' }, // add() / the empty N-API call
  addN: { target: 1.15, better: 'lower' }, // add(n) / add()
  observe: { target: 3, better: 'lower' }, // observe(v) / the empty N-API call
  workersFlat: { target: 1.25, better: 'lower' }, // add() with every core's worker / with 1 worker
  sharedAtomics: { target: 3, better: 'higher' }, // one shared Atomics.add counter / add(), every core's worker
  lockXadd: { target: 1, better: 'higher' }, // lock xadd / the rseq add, one thread (C++)
  contendedLockXadd: { target: 5, better: 'higher' }, // contended lock xadd / the rseq add, every core (C++)
  seriesAdd: { target: 1.1, better: 'lower' }, // a store series' add() / PerCpuCounter.add()
  selfTestMs: { target: 2, better: 'lower' }, // the restart self-test's median, ms
  collectUs: { target: 1000, better: 'lower' }, // a store's collect() of about 1,000 series, us
}

export const met = (value, { target, better }) => (better === 'higher' ? value >= target : value <= target)
/** 'met' or 'NOT met', as every verdict and table says it. */
export const outcome = (value, target) => (met(value, target) ? 'met' : 'NOT met')
const bound = ({ target, better }, unit = 'x') => `${better === 'higher' ? '>=' : '<='} ${target}${unit}`

/** How bench.mjs prints a ratio against its target. */
export function verdict(value, target) {
  return `${value.toFixed(2)}x (target ${bound(target)}: ${outcome(value, target)})`
}

const ns = (figure) => figure.median.toFixed(2)
const ratioRow = (label, value, target, faster = false) =>
  `| ${label} | **${value.toFixed(2)}x${faster ? ' faster' : ''}** | ${bound(target)} | ${outcome(value, target)} |`

/** The names bench.mjs gives the worker rows. */
export const workersRow = (name, workers) => `${name}, ${workers} worker${workers > 1 ? 's' : ''}`

/** The sentence that says where and when the run was made. */
export function benchRunLine(record) {
  const { machine } = record
  return (
    `\`npm run bench\` on the development machine (${machine.cores} vCPUs, Linux ${machine.kernel.split('-')[0]}, glibc ${machine.glibc}, ` +
    `Node ${machine.node.replace(/^v/, '')}, ${machine.arch === 'x64' ? 'x86_64' : machine.arch};\nstrategy \`${record.strategy}\`, call path ` +
    `\`${record.callPath}\`), one run on ${record.date.slice(0, 10)}; medians of interleaved rounds, ns per operation.`
  )
}

/** Every design target with the figures it compares. */
export function designTargetsTable(record) {
  const { currentCpu, singleThread, workers, native, selfTest, machine } = record
  const cores = machine.cores
  const empty = singleThread['raw N-API empty call']
  const add = singleThread['PerCpuCounter.add()']
  const addN = singleThread['PerCpuCounter.add(n), n a safe-integer number']
  const observe = singleThread['PerCpuHistogram.observe(v)']
  const one = workers[workersRow('PerCpuCounter.add()', 1)]
  const all = workers[workersRow('PerCpuCounter.add()', cores)]
  const shared = workers[workersRow('shared Atomics.add', cores)]
  const sharded = workers[workersRow('Atomics.add sharded by currentCpu()', cores)]
  const lines = [
    '| figure | measured | target | |',
    '| --- | ---: | ---: | --- |',
    `| \`currentCpu()\` | ${ns(currentCpu['currentCpu()'])} | | |`,
    `| raw N-API function returning \`sched_getcpu()\` | ${ns(currentCpu['raw N-API sched_getcpu()'])} | | |`,
    ratioRow('ratio', currentCpu['raw N-API sched_getcpu()'].median / currentCpu['currentCpu()'].median, TARGETS.currentCpu, true),
    `| \`PerCpuCounter.add()\`, one thread | ${ns(add)} | | |`,
    `| raw N-API empty call | ${ns(empty)} | | |`,
    ratioRow('ratio', add.median / empty.median, TARGETS.add),
    `| \`PerCpuCounter.add(n)\`, \`n\` a safe-integer number | ${ns(addN)} | | |`,
    ratioRow('ratio to `add()`', addN.median / add.median, TARGETS.addN),
    `| \`PerCpuHistogram.observe(v)\` | ${ns(observe)} | | |`,
    ratioRow('ratio to the empty N-API call', observe.median / empty.median, TARGETS.observe),
    `| \`add()\`, 1 worker | ${ns(one)} | | |`,
    `| \`add()\`, ${cores} workers (one per core) | ${ns(all)} | | |`,
    ratioRow('ratio', all.median / one.median, TARGETS.workersFlat),
    `| one shared \`Atomics.add\` counter, ${cores} workers | ${ns(shared)} | | |`,
    ratioRow(`ratio to \`add()\`, ${cores} workers`, shared.median / all.median, TARGETS.sharedAtomics, true),
    `| \`Atomics.add\` sharded by \`currentCpu()\`, ${cores} workers | ${ns(sharded)} | | |`,
  ]
  if (native.figures !== undefined) {
    const { rseqAddUncontended, lockXaddUncontended, rseqAddAllCores, lockXaddContended } = native.figures
    const nsOf = (row) => row.nsPerOp.toFixed(2)
    lines.push(
      `| C++: rseq per-CPU add, 1 thread | ${nsOf(rseqAddUncontended)} | | |`,
      `| C++: \`lock xadd\`, 1 thread | ${nsOf(lockXaddUncontended)} | | |`,
      ratioRow('ratio', lockXaddUncontended.nsPerOp / rseqAddUncontended.nsPerOp, TARGETS.lockXadd, true),
      `| C++: rseq per-CPU add, ${cores} threads | ${nsOf(rseqAddAllCores)} | | |`,
      `| C++: \`lock xadd\` on one counter, ${cores} threads | ${nsOf(lockXaddContended)} | | |`,
      ratioRow('ratio', lockXaddContended.nsPerOp / rseqAddAllCores.nsPerOp, TARGETS.contendedLockXadd, true),
    )
  } else {
    lines.push(`| C++: the bare critical section | not measured: ${native.skipped} | | |`)
  }
  if (selfTest.median !== undefined) {
    lines.push(
      `| restart self-test, median of ${selfTest.runs} fresh processes | ${selfTest.median.toFixed(2)} ms | ${bound(TARGETS.selfTestMs, ' ms')} | ${outcome(selfTest.median, TARGETS.selfTestMs)} |`,
    )
  } else {
    lines.push(`| restart self-test | not run: ${selfTest.notRun} | | |`)
  }
  return lines.join('\n')
}

const STORE_ROWS = [
  ['PerCpuCounter.add()', '`PerCpuCounter.add()`'],
  ['host-wide series.add()', 'host-wide series `add()` (a cached `labels(...)` handle)'],
  ['in-process series.add()', 'in-process series `add()`'],
  ['host-wide series.add(n)', 'host-wide series `add(n)`'],
  ['labels({ method, status }), existing', '`labels({ method, status })` of an existing series'],
  ['counter.add(1, labels), looked up per call', '`counter.add(1, labels)`, looked up on every call'],
  ['host-wide series.observe(v)', 'host-wide series `observe(v)`'],
  ['host-wide gauge.set(v)', 'host-wide gauge series `set(v)`'],
  ['host-wide gauge.inc()', 'host-wide gauge series `inc()`'],
  ['raw N-API empty call', 'raw N-API empty call'],
]

/** The store's per-call figures and its series add() against the counter's. */
export function storeTable(record) {
  const { figures } = record.store
  const ratio = figures['host-wide series.add()'].median / figures['PerCpuCounter.add()'].median
  return [
    '| figure | ns per operation |',
    '| --- | ---: |',
    ...STORE_ROWS.map(([key, label]) => `| ${label} | ${ns(figures[key])} |`),
    `| ratio: series \`add()\` / \`PerCpuCounter.add()\` | **${ratio.toFixed(2)}x** (target ${bound(TARGETS.seriesAdd)}: ${outcome(ratio, TARGETS.seriesAdd)}) |`,
  ].join('\n')
}

/** collect() of the store's series with more and more processes attached. */
export function collectTable(record) {
  const { collect, seriesCount } = record.store
  return [
    `\`collect()\` of ${seriesCount.toLocaleString('en-US')} series, medians of ${collect[0].calls} calls:`,
    '',
    '| processes attached | median us | min | max |',
    '| ---: | ---: | ---: | ---: |',
    ...collect.map((row) => `| ${row.processes} | ${row.median.toFixed(2)} | ${row.min.toFixed(2)} | ${row.max.toFixed(2)} |`),
  ].join('\n')
}

/** bench-cluster.mjs's output, as npm run bench recorded it: its table of scrapes, and its observe(v) figures. */
export function clusterParts(record) {
  const lines = record.cluster.output.split('\n')
  const scrapes = lines.filter((line) => line.startsWith('|'))
  const observeAt = lines.findIndex((line) => line.startsWith('## histogram observe(v)'))
  const observe = lines.slice(observeAt + 1).filter((line) => line.trim() !== '')
  const node = /\(node v([\d.]+)/.exec(lines.find((line) => line.startsWith('## cluster scrapes')) ?? '')
  if (scrapes.length === 0 || observeAt === -1 || node === null)
    throw new Error("docs/bench.json: the cluster run's output is not as bench-cluster.mjs prints it")
  return { node: node[1], scrapes: scrapes.join('\n'), observe: observe.join('\n') }
}
