// Builds the native core (everything but the N-API glue) with AddressSanitizer and
// UndefinedBehaviorSanitizer around test/fixtures/sequence-stress.cc, and runs that stress test of every
// sequence under each way a thread can hold rseq here: glibc's registration, the package's own (glibc's
// turned off with GLIBC_TUNABLES), and a mix of rseq and fallback threads on the same buffers; then, under
// a seccomp filter (test/fixtures/seccomp-launcher.c), the two other drain modes: no rseq fence
// (membarrier refused: snapshots) and no rseq at all (atomic exchange).
// Any sanitizer report, crash or inexact count fails the run.
//   node scripts/sanitize.mjs [--out DIR] [--iterations N] [--only NAME] [--no-build]
//                             [--plant heap-overflow|signed-overflow]
// --plant makes the stress test commit one deliberate error at its end, to show that a report fails the run.
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const require = createRequire(import.meta.url)
const { coreSources } = require('../dist/bench/native-sources.js')
const CORE_SOURCES = coreSources(root)
const STRESS_SOURCE = path.join(root, 'test', 'fixtures', 'sequence-stress.cc')
const LAUNCHER_SOURCE = path.join(root, 'test', 'fixtures', 'seccomp-launcher.c')

// -fno-sanitize-recover turns every UBSan finding into an exit; ASan always stops at its first report.
// RSEQ_TEST_DELAY widens each sequence so preemption, migration and signals land inside them.
const FLAGS = [
  '-std=c++17',
  '-O1',
  '-g',
  '-fno-omit-frame-pointer',
  '-pthread',
  '-Wall',
  '-Wextra',
  '-fsanitize=address,undefined',
  '-fno-sanitize-recover=all',
  '-DRSEQ_TEST_DELAY=300',
]
const SANITIZER_ENV = {
  ASAN_OPTIONS: 'halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
}
// What sanitizer runtimes print when they find something.
const REPORT_PATTERN = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)/

const { values: options } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(root, 'build', 'sanitize') },
    iterations: { type: 'string', default: '100000' },
    'no-build': { type: 'boolean', default: false },
    only: { type: 'string' },
    plant: { type: 'string' },
  },
})
const binary = path.join(options.out, 'sequence-stress')
const launcher = path.join(options.out, 'seccomp-launcher')

function build() {
  mkdirSync(options.out, { recursive: true })
  const launcherBuild = spawnSync(process.env.CC || 'cc', ['-O2', '-o', launcher, LAUNCHER_SOURCE], { encoding: 'utf8' })
  if (launcherBuild.error || launcherBuild.status !== 0) {
    throw new Error(`sanitize: building the seccomp launcher failed: ${launcherBuild.error?.message ?? launcherBuild.stderr}`)
  }
  const compiler = process.env.CXX || 'g++'
  const result = spawnSync(compiler, [...FLAGS, ...CORE_SOURCES, STRESS_SOURCE, '-o', binary, '-ldl'], {
    encoding: 'utf8',
  })
  if (result.error || result.status !== 0) {
    const missingRuntime = result.error || /cannot find -l(asan|ubsan)|libasan|libubsan/.test(result.stderr)
    throw new Error(
      `sanitize: building with ${compiler} -fsanitize=address,undefined failed: ` +
        (result.error ? result.error.message : result.stderr) +
        (missingRuntime ? '\nInstall g++ (libasan and libubsan come with it) or set CXX to a compiler that has them.' : ''),
    )
  }
}

// Each configuration says which strategies its threads may take and, where it forces one, the drain mode;
// `rseq: true` ones also need aborts, or the restart path was never exercised. `refuse` runs it under the
// seccomp launcher refusing those syscalls with ENOSYS.
const CONFIGURATIONS = [
  { name: 'glibc', env: {}, args: [], strategies: ['glibc'], rseq: true },
  { name: 'own', env: { GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }, args: [], strategies: ['own'], rseq: true },
  { name: 'glibc+fallback', env: {}, args: ['--mixed'], strategies: ['glibc', 'fallback'], rseq: true },
  { name: 'no-fence', env: {}, args: [], strategies: ['glibc'], rseq: true, refuse: 'membarrier', drainMode: 'snapshot' },
  { name: 'no-rseq', env: {}, args: [], strategies: ['fallback'], rseq: false, refuse: 'rseq,membarrier', drainMode: 'exchange' },
]

function run(configuration) {
  const args = ['--iterations', options.iterations, ...configuration.args]
  if (options.plant) args.push('--plant', options.plant)
  const env = { ...process.env, ...SANITIZER_ENV, ...configuration.env }
  delete env.RSEQ_STRATEGY
  if (!('GLIBC_TUNABLES' in configuration.env)) delete env.GLIBC_TUNABLES
  const started = Date.now()
  const command = configuration.refuse ? [launcher, `ENOSYS:${configuration.refuse}`, binary] : [binary]
  const result = spawnSync(command[0], [...command.slice(1), ...args], { env, encoding: 'utf8', timeout: 300_000 })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const problems = []
  const report = REPORT_PATTERN.exec(result.stderr ?? '')
  if (report) problems.push(`sanitizer report (${report[0].trim()})`)
  if (result.error) problems.push(result.error.message)
  else if (result.status !== 0) problems.push(`exit ${result.status ?? result.signal}`)
  let summary = null
  try {
    summary = JSON.parse(result.stdout.trim().split('\n').pop())
  } catch {
    problems.push('no summary line')
  }
  if (summary && !summary.exact) problems.push(`inexact: ${summary.failures}`)
  return { configuration, problems, seconds, summary, stderr: result.stderr }
}

// What each run must show, on a host whose kernel has rseq (an unfiltered run found the system call).
// Elsewhere every thread falls back and only exactness and the absence of reports can be checked.
function expectations({ configuration, problems, summary }, hostHasRseq) {
  if (!summary || !hostHasRseq) return
  const taken = Object.entries(summary.strategies)
    .filter(([, count]) => count > 0)
    .map(([name]) => name)
  const unexpected = taken.filter((name) => !configuration.strategies.includes(name))
  if (unexpected.length > 0) problems.push(`strategies ${taken.join(', ')}`)
  if (configuration.drainMode && summary.drainMode !== configuration.drainMode) {
    problems.push(`drain mode ${summary.drainMode}, expected ${configuration.drainMode}`)
  }
  if (configuration.rseq && summary.aborts === 0) problems.push('no sequence aborted: the restart path went untested')
}

function finish(outcome, hostHasRseq) {
  expectations(outcome, hostHasRseq)
  const { configuration, problems, ...rest } = outcome
  return { name: configuration.name, ok: problems.length === 0, problems, ...rest }
}

if (!options['no-build']) build()
const chosen = CONFIGURATIONS.filter((configuration) => !options.only || configuration.name === options.only)
if (chosen.length === 0) {
  throw new Error(`sanitize: --only must name one of ${CONFIGURATIONS.map((c) => c.name).join(', ')}; got '${options.only}'`)
}
const runs = chosen.map(run)
const hostHasRseq = runs.some((each) => !each.configuration.refuse && each.summary?.rseqSyscall === 'EINVAL')
const results = runs.map((each) => finish(each, hostHasRseq))
for (const result of results) {
  const s = result.summary
  const detail = s
    ? `${s.workers} threads (${Object.entries(s.strategies)
        .filter(([, n]) => n)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}), ` +
      `${s.adds} added, ${s.compareStores} compare-and-stores (${s.compareFailures} failed first), ` +
      `${s.signalAdds} signal-handler adds, ${s.migrations} migrations, ${s.drains} drains (${s.drainMode}), ${s.aborts} aborts`
    : ''
  console.log(`${result.ok ? 'ok  ' : 'FAIL'} ${result.name.padEnd(15)} ${result.seconds}s  ${detail}`)
  if (!result.ok) {
    console.log(`     ${result.problems.join('; ')}`)
    console.log(
      result.stderr
        .split('\n')
        .slice(0, 40)
        .map((line) => `     | ${line}`)
        .join('\n'),
    )
  }
}
console.log(`json ${JSON.stringify(results.map(({ stderr: _stderr, ...rest }) => rest))}`)
process.exitCode = results.every((result) => result.ok) ? 0 : 1
