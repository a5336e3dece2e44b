// Every runtime users run the package in (scripts/runtimes/versions.json: Node 18.17 to 26, Bun, Deno),
// each in a child process from a consumer folder as an install would lay it out: CommonJS and ESM, the
// decision on the main thread and in a worker, exact counts, drains and histograms, the metric store and
// its exporters, 8 workers started and exited in two waves, every strategy and call path (Bun and Deno
// through their FFI and through N-API), the same refusals everywhere, rseq doctor --json, and a clean exit
// (status 0, nothing on stderr but, where no native build loads, the one warning saying so); a test build
// whose sequences spin, showing that the FFI paths run them; and the package loaded twice on one thread.
// Run alone with `npm run test:runtimes`.
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { printedWarnings } from './helpers/printed-warnings'
import { PUBLIC_API_TYPES } from './helpers/public-api'
import { cleanEnvironment, runCommand, type RunResult } from './helpers/run-node'
import {
  commandLine,
  consumerFolder,
  DENO_CLI_PERMISSIONS,
  DENO_LIBRARY_PERMISSIONS,
  fetchRuntime,
  runtimes,
  type Runtime,
} from './helpers/runtimes'
import { delayedPackage } from './helpers/instrumented-package'
import { GLIBC_RSEQ_OFF } from './helpers/thread-report'

interface Check {
  runtime: { name: string; version: string }
  formats: { cjsTypes: Record<string, string>; esmSameAsCjs: boolean; esmDefaultIsCjs: boolean; resultTypes: Record<string, string> }
  main: { info: { strategy: string; registered: boolean; reason: string; selfTest: { verdict: string }; callPath: string }; cpu: number }
  worker: { info: { strategy: string; registered: boolean; callPath: string }; cpu: number }
  counter: { expected: string; observed: string; strategies: string[] }
  drain: { added: string; takenPlusLeft: string; nonEmptyDrains: number }
  histogram: { expected: unknown; observed: unknown }
  store: { expected: unknown; inProcess: unknown; hostWide: unknown }
  exporters: { expected: unknown; promClient: unknown; prometheusIo: unknown; openTelemetry: unknown }
  refusals: Record<string, unknown>
  ffiRefusals: { validCalls: number; refusedCalls: number }
  churn: {
    workers: number
    expected: string
    observed: string
    strategies: string[]
    liveOwnRegistrations: { before: number; after: number }
  }
}

const REFUSALS = {
  fraction: 'RangeError: PerCpuCounter.add(n): `n` must be an integer, got 1.5',
  beyondInt64: 'RangeError: PerCpuCounter.add(n): `n` must fit in a signed 64-bit integer, got 18446744073709552000',
  negativeSeries: 'RangeError: CounterSeries.add(n): `n` must not be negative: a counter only goes up (a gauge goes both ways), got -1',
  observeNaN: 'RangeError: PerCpuHistogram.observe(value): `value` must be finite and within 9007199254740991 x resolution, got NaN',
  seriesObserveInfinity:
    'RangeError: HistogramSeries.observe(value): `value` must be finite and within 9007199254740991 x resolution, got Infinity',
  arrayFraction: 'RangeError: PerCpuArray.max(cell, v): `v` must be an integer, got 0.5',
  closed: "Error: this series' MetricStore is closed (store.close() was called): open the store again",
  untouched: ['0', '0', '0'],
}

/** Exit 0 and a silent stderr, then the JSON document the command printed (and nothing else). */
function cleanReport<T>(finished: RunResult): T {
  expect({ status: finished.status, stderr: finished.stderr }).toEqual({ status: 0, stderr: '' })
  return JSON.parse(finished.stdout) as T
}

/**
 * Exit 0 and on stderr only the one warning of a process where no native build loads, however many workers
 * loaded the package too; then the JSON document the command printed, and that warning's message.
 */
function reportWarnedOnce<T>(finished: RunResult): { report: T; warning: string } {
  const { warnings, otherOutput } = printedWarnings(finished.stderr)
  expect({ status: finished.status, otherOutput, codes: warnings.map((warning) => warning.code) }).toEqual({
    status: 0,
    otherOutput: '',
    codes: ['RSEQ_NATIVE_BUILD_NOT_LOADED'],
  })
  return { report: JSON.parse(finished.stdout) as T, warning: warnings[0].message }
}

let consumer: string
let portableConsumer: string
/** A consumer of the package built with a spin inside every critical section (the aborts of the FFI paths). */
let delayedConsumer: string

beforeAll(async () => {
  consumer = consumerFolder()
  portableConsumer = consumerFolder({ withoutNativeBuild: true })
  delayedConsumer = consumerFolder({ installed: await delayedPackage(2000), name: 'runtime-consumer-delayed' })
}, 600_000)

describe.each(runtimes)('$name ($package@$version)', (runtime: Runtime) => {
  let executable: string
  beforeAll(async () => {
    executable = await fetchRuntime(runtime)
  }, 600_000)

  const check = (env: Record<string, string> = {}, cwd = consumer, permissions = DENO_LIBRARY_PERMISSIONS) => {
    const [command, ...args] = commandLine(runtime, executable, 'runtime-check.mjs', [], permissions)
    return runCommand(command, args, { cwd, env: cleanEnvironment(env), timeoutMs: 180_000 })
  }

  /** Whether this runtime is a Node whose V8 the fast-calls builds cover (20 to 26; not 18). */
  const fastCallsNode = runtime.kind === 'node' && Number(runtime.version.split('.')[0]) >= 20

  /** The call path a thread of this runtime takes on `strategy` (RSEQ_CALL_PATH=napi turns the fast ways off). */
  const expectedPath = (strategy: string, fastOff = false) =>
    strategy === 'portable'
      ? 'portable'
      : fastOff
        ? 'napi'
        : runtime.kind === 'node'
          ? fastCallsNode
            ? 'v8:fast'
            : 'napi'
          : `${runtime.kind}:ffi`

  function expectExact(report: Check, strategy: string, callPath = expectedPath(strategy)) {
    expect(report.runtime).toEqual({ name: runtime.kind, version: runtime.version })
    expect([report.main.info.callPath, report.worker.info.callPath]).toEqual([callPath, callPath])
    expect(report.formats).toEqual({
      cjsTypes: PUBLIC_API_TYPES,
      esmSameAsCjs: true,
      esmDefaultIsCjs: true,
      resultTypes: { currentCpu: 'number', value: 'number', bigValue: 'bigint', sum: 'bigint' },
    })
    expect([report.main.info.strategy, report.worker.info.strategy]).toEqual([strategy, strategy])
    expect(report.main.info.selfTest.verdict).toBe(strategy === 'fallback' || strategy === 'portable' ? 'not-run' : 'restarts')
    // Without a native build JavaScript cannot know its CPU: -1, as documented.
    expect([report.main.cpu, report.worker.cpu].every((cpu) => (strategy === 'portable' ? cpu === -1 : cpu >= 0))).toBe(true)
    expect(report.counter.observed).toBe(report.counter.expected)
    expect(report.counter.strategies).toEqual([strategy, strategy, strategy, strategy])
    expect(report.drain.takenPlusLeft).toBe(report.drain.added)
    expect(report.drain.nonEmptyDrains).toBeGreaterThan(0)
    expect(report.histogram.observed).toEqual(report.histogram.expected)
    expect(report.store.inProcess).toEqual(report.store.expected)
    // A host-wide store maps a file, which needs the native build: the portable path says so.
    if (strategy === 'portable')
      expect(report.store.hostWide).toEqual({
        refused: expect.stringMatching(/cannot be mapped: a host-wide store needs the native build/),
      })
    else expect(report.store.hostWide).toEqual(report.store.expected)
    // prom-client 15, @prometheus-io/client and OpenTelemetry's SDK (with its Prometheus exporter) all load
    // here and show the same store with the same exact values.
    expect([report.exporters.promClient, report.exporters.prometheusIo, report.exporters.openTelemetry]).toEqual(
      Array(3).fill(report.exporters.expected),
    )
    expect(report.churn).toMatchObject({ workers: 8, observed: report.churn.expected, strategies: [strategy] })
    // Every call path refuses the same values with the same words, and changes nothing when it does.
    expect(report.refusals).toEqual(REFUSALS)
    // On an FFI or fast-call path the entry points did the work: no valid call was refused and made again
    // through N-API, while the refused values were refused by them first.
    expect(report.ffiRefusals.validCalls).toBe(0)
    expect(report.ffiRefusals.refusedCalls > 0).toBe(callPath.endsWith(':ffi') || callPath === 'v8:fast')
    // Whatever the strategy, no registration of the package's own outlives the workers that made it.
    expect(report.churn.liveOwnRegistrations.after).toBe(report.churn.liveOwnRegistrations.before)
  }

  it("shares glibc's registration on every thread, counts, drains and merges exactly, and exits cleanly", async () => {
    const report = cleanReport<Check>(await check())
    expectExact(report, 'glibc')
    expect(report.main.info.reason).toMatch(/with the standard signature/)
  })

  it('registers its own areas under GLIBC_TUNABLES=glibc.pthread.rseq=0 and unregisters them as workers exit', async () => {
    const report = cleanReport<Check>(await check(GLIBC_RSEQ_OFF))
    expectExact(report, 'own')
    expect(report.churn.liveOwnRegistrations.before).toBe(1) // the main thread's, still attached
  })

  if (runtime.kind === 'node') {
    if (fastCallsNode) {
      // (Node 18 runs N-API calls anyway: every test above is that path there.)
      it(`runs the same through N-API calls with V8 fast calls off (RSEQ_CALL_PATH=napi)`, async () => {
        expectExact(cleanReport<Check>(await check({ RSEQ_CALL_PATH: 'napi' })), 'glibc', expectedPath('glibc', true))
      })

      it('enters every hot operation through the fast C callback from optimized code and through the slow one from interpreted code, exactly, with the same errors (the counting test build)', async () => {
        const report = cleanReport<{
          callPath: string
          operations: Record<string, { optimized: { fast: number; slow: number }; interpreted: { fast: number; slow: number } }>
          refusals: Record<string, Record<'optimized' | 'interpreted', { message: string; fast: number; slow: number }>>
          values: {
            counter: string
            counterExpected: string
            histogramCount: string
            arrayCells: string[]
            largestMax: string
            series: string
            gauges: number[]
          }
        }>(
          await runCommand(executable, ['--allow-natives-syntax', '--no-concurrent-recompilation', 'fast-call-entries.cjs'], {
            cwd: delayedConsumer,
            env: cleanEnvironment(),
            timeoutMs: 120_000,
          }),
        )
        expect(report.callPath).toBe('v8:fast')
        for (const [name, entries] of Object.entries(report.operations)) {
          expect({ name, entries }).toEqual({
            name,
            entries: { optimized: { fast: 1000, slow: 0 }, interpreted: { fast: 0, slow: 1000 } },
          })
        }
        expect(Object.keys(report.operations)).toHaveLength(12)
        expect(report.values).toEqual({
          counter: report.values.counterExpected,
          counterExpected: report.values.counterExpected,
          histogramCount: '6004',
          arrayCells: ['3004', '3000', '3000', '3000'],
          largestMax: '999',
          series: '12004',
          // set(i) last set 999; inc() and dec(0.5) ran 6000 times each, and inc(1.5) and dec(-1) before the refusals
          // 4 times each; the refusal's valid set(2.5) ran last.
          gauges: [999, 3010, 2.5],
        })
        // A refused number goes in through the fast callback from optimized code (the slow one from interpreted
        // code), is refused there, and gets the error N-API gives it; values JavaScript refuses never go in.
        const refusedInJavaScript = ['PerCpuArray.add(0, 0.5)', 'PerCpuArray.compareExchange(0, 0, 1.5)', 'GaugeSeries.dec("1")']
        for (const [name, { optimized, interpreted }] of Object.entries(report.refusals)) {
          const entered = refusedInJavaScript.includes(name) ? 0 : 1
          expect({ name, optimized: [optimized.fast, optimized.slow], interpreted: [interpreted.fast, interpreted.slow] }).toEqual({
            name,
            optimized: [entered, 0],
            interpreted: [0, entered],
          })
          expect(optimized.message).toBe(interpreted.message)
          expect(optimized.message).toMatch(/^(Range|Type)Error: /)
        }
      })

      it('is aborted by the kernel inside sequences entered through the fast C callback, and stays exact (the delayed test build)', async () => {
        const report = cleanReport<{
          callPath: string
          expected: string
          observed: string
          workers: { fast: number; slow: number; aborts: number }[]
        }>(
          await runCommand(executable, ['--allow-natives-syntax', 'fast-call-aborts.cjs'], {
            cwd: delayedConsumer,
            env: cleanEnvironment(),
            timeoutMs: 120_000,
          }),
        )
        expect(report.callPath).toBe('v8:fast')
        expect(report.observed).toBe(report.expected)
        // Every measured add of every worker entered through the fast callback, none was handed back to N-API,
        // and the kernel aborted some of those sequences.
        expect(report.workers.map(({ fast, slow, refused }) => [fast, slow, refused])).toEqual(Array(4).fill([20_000, 0, 0]))
        expect(report.workers.reduce((sum, { aborts }) => sum + aborts, 0)).toBeGreaterThan(0)
      })
    } else {
      it('keeps N-API calls where the package has no fast-calls build for this V8, and says so', async () => {
        const report = cleanReport<Check>(await check())
        expect(report.main.info.callPath).toBe('napi')
        const finished = await runCommand(executable, ['-p', "require('rseq').info().callPathReason"], {
          cwd: consumer,
          env: cleanEnvironment(),
          timeoutMs: 60_000,
        })
        expect(finished.stdout).toMatch(
          /^Node: an N-API function per counter and histogram, since V8 fast calls cannot be had: .*fast-calls build/,
        )
      })
    }
  } else {
    it(`runs the same through N-API calls with its FFI off (RSEQ_CALL_PATH=napi)`, async () => {
      expectExact(cleanReport<Check>(await check({ RSEQ_CALL_PATH: 'napi' })), 'glibc', expectedPath('glibc', true))
    })

    it(`runs the sequences through ${runtime.kind}'s FFI: a test build spinning inside each one is aborted and stays exact`, async () => {
      const [command, ...args] = commandLine(runtime, executable, 'ffi-aborts.mjs')
      const report = cleanReport<{
        callPath: string
        strategy: string
        expected: string
        observed: string
        aborts: number[]
        ffiRefusals: number[]
      }>(await runCommand(command, args, { cwd: delayedConsumer, env: cleanEnvironment(), timeoutMs: 180_000 }))
      expect([report.callPath, report.strategy]).toEqual([expectedPath('glibc'), 'glibc'])
      expect(report.observed).toBe(report.expected)
      expect(report.aborts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
      // The aborts are the FFI entry points' own: no add was refused by them and made through N-API.
      expect(report.ffiRefusals).toEqual(report.aborts.map(() => 0))
    })
  }

  it("keeps each copy's counts apart when the package is loaded twice on one thread (a module-cache reset)", async () => {
    const [command, ...args] = commandLine(runtime, executable, 'package-reload.cjs')
    const report = cleanReport<{ reloaded: boolean; callPaths: string[]; counts: unknown; ffiRefusals: number[] }>(
      await runCommand(command, args, { cwd: consumer, env: cleanEnvironment(), timeoutMs: 60_000 }),
    )
    expect([report.reloaded, report.callPaths]).toEqual([true, [expectedPath('glibc'), expectedPath('glibc')]])
    expect(report.counts).toEqual({ early: ['10', '10', '10'], late: ['7', '7', '7'] })
    // Through an FFI the thread's calls reach the copy loaded last; the first copy's 30 calls are refused
    // there and made through its own N-API functions.
    expect(report.ffiRefusals).toEqual(runtime.kind === 'node' ? [0, 0] : [30, 0])
  })

  it('leaves no mapping of a host-wide store a worker closed; one left open stays mapped in Bun and Deno', async () => {
    // Deno lets a script read /proc/self/maps only with --allow-all.
    const [command, ...args] = commandLine(runtime, executable, 'store-teardown.mjs', [], ['--allow-all'])
    const report = cleanReport<{ closed: number; leftOpen: number; total: string }>(
      await runCommand(command, args, { cwd: consumer, env: cleanEnvironment(), timeoutMs: 60_000 }),
    )
    // Bun and Deno run no N-API finalizers when a worker's environment is torn down (docs/store.md).
    expect(report).toEqual({ closed: 0, leftOpen: runtime.kind === 'node' ? 0 : 3, total: '12' })
  })

  it('runs on atomics under RSEQ_STRATEGY=fallback, just as exactly', async () => {
    expectExact(cleanReport<Check>(await check({ RSEQ_STRATEGY: 'fallback' })), 'fallback')
  })

  it('runs the portable JavaScript path, just as exactly, where the package has no native build, and warns once that none loaded', async () => {
    const { report, warning } = reportWarnedOnce<Check>(await check({}, portableConsumer))
    expectExact(report, 'portable')
    expect(report.main.info.reason).toMatch(
      new RegExp(
        `^The portable JavaScript path runs .* because no native build was found \\(No native build was found for platform=linux arch=${process.arch}`,
      ),
    )
    expect(warning).toMatch(
      /^rseq could not load its native build .*: no native build was found \(.*\); reinstall rseq, or build the addon here with `npx rseq build`/,
    )
  })

  it('takes the portable path under RSEQ_STRATEGY=portable with the native build present', async () => {
    const report = cleanReport<Check>(await check({ RSEQ_STRATEGY: 'portable' }))
    expectExact(report, 'portable')
    expect(report.main.info.reason).toMatch(/^RSEQ_STRATEGY=portable: the native build is not loaded/)
  })

  if (runtime.kind === 'deno') {
    it('takes the portable path where Deno is not allowed to load the addon (no --allow-ffi), and warns once to allow it', async () => {
      const { report, warning } = reportWarnedOnce<Check>(
        await check(
          {},
          consumer,
          DENO_LIBRARY_PERMISSIONS.filter((flag) => flag !== '--allow-ffi'),
        ),
      )
      expectExact(report, 'portable')
      expect(report.main.info.reason).toMatch(/could not be loaded \(.*--allow-ffi/)
      expect(warning).toMatch(/could not be loaded \(.*\); run Deno with --allow-ffi, which it needs to load the native build\. /)
    })
  }

  it('runs `rseq doctor --json`, naming the runtime', async () => {
    const cli = path.join(consumer, 'node_modules', 'rseq', 'dist', 'cli', 'rseq.js')
    const [command, ...args] = commandLine(runtime, executable, cli, ['doctor', '--json'], DENO_CLI_PERMISSIONS)
    const diagnosis = cleanReport<{
      machine: { runtime: unknown }
      mainThread: { strategy: string }
      worker: { strategy: string }
      verdict: { ok: boolean }
    }>(await runCommand(command, args, { cwd: consumer, env: cleanEnvironment() }))
    expect(diagnosis.machine.runtime).toEqual({ name: runtime.kind, version: runtime.version })
    expect([diagnosis.mainThread.strategy, diagnosis.worker.strategy, diagnosis.verdict.ok]).toEqual(['glibc', 'glibc', true])
  })
})
