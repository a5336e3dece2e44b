// The runtime matrix's benchmark as Markdown, from what `npm run bench:runtimes -- --json FILE` records
// ({ bareSequenceNs, reports }: one rseq-bench report per runtime and call path, and the bare C++ sequence
// measured in the same run): printed by that run, and written into docs/benchmarks.md by scripts/bench-tables.mjs.

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
      return figure === undefined ? '-' : `${figure.median.toFixed(1)} (${figure.ratio.toFixed(2)}x)`
    })
    lines.push(`| ${method} | ${cells.join(' | ')} |`)
  }
  const addOf = (report) => report.singleThread.figures['PerCpuCounter.add()'].median
  lines.push(
    `| bare C++ sequence (no JavaScript), ${bareSequenceNs.toFixed(2)} ns: add() / it | ${reports.map((report) => `${(addOf(report) / bareSequenceNs).toFixed(2)}x`).join(' | ')} |`,
  )
  return lines.join('\n')
}
