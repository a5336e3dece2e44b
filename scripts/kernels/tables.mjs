#!/usr/bin/env node
// Writes the kernel matrix's tables from its results (docs/kernel-matrix.json, written by
// `npm run test:kernels -- --json docs/kernel-matrix.json`) into the marked regions of README.md (one
// line a kernel) and docs/support.md (one line a boot), so that the figures live in the JSON alone.
// Every boot is judged afresh from its raw results by the current judge.mjs: the problems stored at
// record time are not trusted, so a stricter judge shows on the tables at once.
//   node scripts/kernels/tables.mjs [--check]    --check: exit 1 if a region differs from the JSON or a
//                                                 boot fails the current judge
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { judge } from './judge.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const matrix = JSON.parse(readFileSync(path.join(root, 'docs', 'kernel-matrix.json'), 'utf8'))
const ARCH = { arm64: 'aarch64', x64: 'x86_64' }
const grouped = (n) => Number(n).toLocaleString('en-US')

/** The problems the current judge finds in a recorded boot, from its raw results alone. */
function rejudged(row) {
  return judge(row, { results: row.results, exits: row.exits, done: row.done, kernel: row.kernel }).problems
}
const problemsOf = new Map(matrix.rows.map((row) => [row, rejudged(row)]))

function kernelName(row) {
  return `${row.kernel ?? row.package}${row.cmdline ? ` \`${row.cmdline}\`` : ''}`
}

function bootName(row) {
  return `${ARCH[row.arch]} ${row.kernel ?? row.package}${row.cmdline ? ` (${row.cmdline})` : ''}, ${row.userland.suite} userland`
}

function registration(result) {
  const r = result?.main?.registration
  return r ? `${r.length} B ${r.mode}` : 'none'
}

function testBuild(result) {
  if (!result?.count) return 'no result'
  const { aborts, observed, expected } = result.count
  return `${grouped(aborts)} aborts, kept ${grouped(observed)} of ${grouped(expected)}`
}

function boots() {
  const took = matrix.minutes ? ` in ${matrix.minutes} minutes` : ''
  const lines = [
    `Measured ${matrix.date.slice(0, 10)}, Node.js ${matrix.node}: ${matrix.rows.length} boots${took}, one boot a row.`,
    '',
    "| arch | kernel | glibc | strategy (glibc's on / off) | registration (on / off) | self-test | exact | test build, 4 threads on one CPU | test build under SIGPROF | result |",
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const row of matrix.rows) {
    const { default: standard, own, instrumented, signals, doctor } = row.results
    const problems = problemsOf.get(row)
    lines.push(
      `| ${[
        ARCH[row.arch],
        kernelName(row),
        doctor?.glibc?.version ?? row.userland.glibc,
        `${standard?.main?.strategy} / ${own?.main?.strategy}`,
        `${registration(standard)} / ${registration(own)}`,
        standard?.main?.selfTest?.verdict,
        problems.length === 0 ? 'yes' : 'see problems',
        testBuild(instrumented),
        testBuild(signals),
        problems.length === 0 ? 'pass' : `FAIL: ${problems.join('; ')}`,
      ].join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

// One line a kernel: what a user gets there with each C library.
function kernels() {
  const suites = [...new Set(matrix.rows.map((row) => row.userland.suite))]
  const glibcOf = (suite) => matrix.rows.find((row) => row.userland.suite === suite)?.results.doctor?.glibc?.version ?? suite
  const lines = [
    `Measured ${matrix.date.slice(0, 10)} by \`npm run test:kernels\`. Each cell: the strategy and registration with glibc's registration on; exact: every count, drain and histogram of the boot; aborts: the sequences the kernel restarted when a test build that spins inside each one ran 4 threads on one CPU. Where the self-test chose \`fallback\`, the same build with the self-test switched off shows what it prevented.`,
    '',
    `| arch | kernel | ${suites.map((suite) => `glibc ${glibcOf(suite)}`).join(' | ')} |`,
    `| --- | --- | ${suites.map(() => '---').join(' | ')} |`,
  ]
  const keys = [...new Set(matrix.rows.map((row) => `${row.arch}|${row.package}|${row.cmdline ?? ''}`))]
  for (const key of keys) {
    const rows = matrix.rows.filter((row) => `${row.arch}|${row.package}|${row.cmdline ?? ''}` === key)
    const cells = suites.map((suite) => {
      const row = rows.find((candidate) => candidate.userland.suite === suite)
      if (!row) return 'not run'
      if (problemsOf.get(row).length > 0) return 'FAILED'
      const strategy = row.results.default.main.strategy
      const count = row.results.instrumented?.count
      if (strategy === 'fallback') {
        const lost = count
          ? `; self-test off: ${grouped(count.aborts)} aborts, kept ${grouped(count.observed)} of ${grouped(count.expected)}`
          : ''
        return `\`fallback\` (self-test: ${row.results.default.main.selfTest.verdict}), exact${lost}`
      }
      const { length, mode } = row.results.default.main.registration
      return `\`${strategy}\`, ${length} B ${mode}, exact${count ? `, ${grouped(count.aborts)} aborts` : ''}`
    })
    lines.push(`| ${ARCH[rows[0].arch]} | ${kernelName(rows[0])} | ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

const regions = [
  { file: 'README.md', name: 'kernel-support', text: kernels },
  { file: path.join('docs', 'support.md'), name: 'kernel-matrix', text: boots },
]

let stale = 0
if (process.argv.includes('--check')) {
  for (const [row, problems] of problemsOf) {
    if (problems.length === 0) continue
    process.stderr.write(
      `docs/kernel-matrix.json: ${bootName(row)} fails the current judge (scripts/kernels/judge.mjs): ${problems.join('; ')}\n`,
    )
    stale++
  }
}
for (const region of regions) {
  const file = path.join(root, region.file)
  const before = readFileSync(file, 'utf8')
  const start = `<!-- ${region.name}: generated by scripts/kernels/tables.mjs from docs/kernel-matrix.json -->`
  const end = `<!-- ${region.name}: end -->`
  const from = before.indexOf(start)
  const to = before.indexOf(end)
  if (from === -1 || to < from) throw new Error(`${region.file}: no region marked ${start} ... ${end}`)
  const after = `${before.slice(0, from + start.length)}\n${region.text()}\n${before.slice(to)}`
  if (after === before) continue
  if (process.argv.includes('--check')) {
    process.stderr.write(
      `${region.file}: the ${region.name} table differs from docs/kernel-matrix.json; run node scripts/kernels/tables.mjs\n`,
    )
    stale++
  } else writeFileSync(file, after)
}
process.exitCode = stale === 0 ? 0 : 1
