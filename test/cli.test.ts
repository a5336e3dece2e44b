// The two command-line tools: `rseq doctor` diagnoses any host it can run on and always exits 0 when it
// could; `rseq-bench --quick` measures every method and writes JSON and SVG a person or program can read.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Diagnosis } from '../lib/cli/doctor'
import { STORE_VERSION } from '../lib/layout/store-layout'
import { earlyAdopterLibrary, seccompLauncher } from './helpers/native-fixtures'
import { runNode, type RunOptions, type RunResult } from './helpers/run-node'
import { GLIBC_RSEQ_OFF } from './helpers/thread-report'

const root = path.join(__dirname, '..')
const doctorCli = path.join(root, 'dist', 'cli', 'rseq.js')
const benchCli = path.join(root, 'dist', 'cli', 'rseq-bench.js')

async function doctorJson(options: RunOptions = {}): Promise<Diagnosis> {
  const result = await runNode(doctorCli, ['doctor', '--json'], options)
  expect(result.status, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as Diagnosis
}

function worker(diagnosis: Diagnosis) {
  if ('error' in diagnosis.worker) throw new Error(diagnosis.worker.error)
  return diagnosis.worker
}

describe('rseq doctor', () => {
  it("on this host: kernel, glibc and both threads on glibc's registration, verdict OK", async () => {
    const diagnosis = await doctorJson()
    expect(diagnosis.kernel.release).toBe(os.release())
    expect(diagnosis.kernel.hasRseq).toBe(true)
    // The probe's answer is EINVAL on purpose (a harmless call): the JSON names the outcome, and keeps the errno.
    expect([diagnosis.kernel.probe, diagnosis.kernel.probeErrno]).toEqual(['ok', 'EINVAL'])
    expect(diagnosis.kernel.featureSize).toBeGreaterThanOrEqual(20)
    expect(diagnosis.glibc.version).toMatch(/^2\.\d+/)
    expect(diagnosis.glibc.symbols?.size).toBeGreaterThan(0)
    expect(diagnosis.glibc.tunable).toBeNull()
    expect(diagnosis.seccomp.active).toBe(false)
    expect(diagnosis.mainThread.strategy).toBe('glibc')
    expect(worker(diagnosis).strategy).toBe('glibc')
    expect(diagnosis.mainThread.fence).toBe(true)
    expect(diagnosis.mainThread.drain).toBe('fence')
    expect(diagnosis.verdict.ok).toBe(true)
    expect(diagnosis.verdict.action).toMatch(/^nothing: /)
  })

  it('names the native build it loaded, and where none loads (node --no-addons) the portable path and why', async () => {
    expect((await doctorJson()).nativeBuild).toBe(path.join('build', 'Release', 'rseq.node'))
    const diagnosis = await doctorJson({ nodeArgs: ['--no-addons'] })
    expect([diagnosis.nativeBuild, diagnosis.mainThread.strategy, worker(diagnosis).strategy, diagnosis.verdict.ok]).toEqual([
      null,
      'portable',
      'portable',
      false,
    ])
    expect(diagnosis.verdict.text).toMatch(/^rseq is not used: no native build is loaded .* loading addons is disabled/)
    expect([diagnosis.kernel.probe, diagnosis.kernel.probeErrno]).toEqual(['not probed', null])
    const text = (await runNode(doctorCli, ['doctor'], { nodeArgs: ['--no-addons'] })).stdout
    expect(text).toMatch(/native build\s+none loaded: the portable JavaScript path runs/)
    expect(text).toMatch(/current CPU\s+-1/)
    expect(text).toMatch(/kernel\s+.*: not probed: no native build is loaded to ask/)
  })

  it("lists the user's host-wide stores in /dev/shm: size, how full, and the processes that map them", async () => {
    const name = `rseq-doctor-${process.pid}.metrics`
    const file = path.join('/dev/shm', name)
    const script = `const s = require(${JSON.stringify(root)}).MetricStore.open(${JSON.stringify(name)}); s.counter('a_total', { labelNames: ['x'] }).add(1, { x: '1' }); s.counter('a_total', { labelNames: ['x'] }).add(1, { x: '2' }); process.stdout.write('open'); process.stdin.resume()`
    const holder = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve))
      const listed = (await doctorJson()).stores.find((store) => store.path === file)
      expect(listed).toEqual({
        path: file,
        bytes: statSync(file).size,
        version: STORE_VERSION,
        series: { used: 2, capacity: 4096 },
        metrics: { used: 1, capacity: 256 },
        processes: [holder.pid],
      })
      const text = (await runNode(doctorCli, ['doctor'])).stdout
      expect(text).toContain(`${file}: ${statSync(file).size} bytes, 2/4096 series, 1/256 metrics, mapped by process ${holder.pid}`)
      // Once no process maps it, how to remove it.
      holder.stdin.end()
      await new Promise((resolve) => holder.once('exit', resolve))
      expect((await runNode(doctorCli, ['doctor'])).stdout).toContain(
        `${file}: ${statSync(file).size} bytes, 2/4096 series, 1/256 metrics, no process maps it (if no server will open it again: MetricStore.remove('${file}'), or rm it)`,
      )
    } finally {
      if (holder.exitCode === null) {
        holder.stdin.end()
        await new Promise((resolve) => holder.once('exit', resolve))
      }
      rmSync(file, { force: true })
    }
  })

  it('where membarrier is refused (a kernel before 5.10): no fence, drains by snapshot, rseq still live', async () => {
    const diagnosis = await doctorJson({ launcher: [seccompLauncher(), 'ENOSYS:membarrier'] })
    expect(diagnosis.mainThread.strategy).toBe('glibc')
    expect(diagnosis.mainThread.fence).toBe(false)
    expect(diagnosis.mainThread.drain).toBe('snapshot')
    expect(worker(diagnosis).drain).toBe('snapshot')
    const text = (await runNode(doctorCli, ['doctor'], { launcher: [seccompLauncher(), 'ENOSYS:membarrier'] })).stdout
    expect(text).toMatch(/drain\s+no rseq fence \(Linux < 5\.10, or membarrier refused\): drain\(\) keeps snapshots/)
  })

  it("with glibc's registration off: the tunable, and own registrations on both threads", async () => {
    const diagnosis = await doctorJson({ env: GLIBC_RSEQ_OFF })
    expect(diagnosis.glibc.tunable).toBe('0')
    expect(diagnosis.glibc.symbols?.size).toBe(0)
    expect(diagnosis.mainThread.strategy).toBe('own')
    expect(worker(diagnosis).strategy).toBe('own')
    expect(diagnosis.verdict.ok).toBe(true)
    const text = (await runNode(doctorCli, ['doctor'], { env: GLIBC_RSEQ_OFF })).stdout
    expect(text).toMatch(/\nglibc\s+2\.\d+: registered nothing \(__rseq_size 0\): the package registers an area of its own\n/)
    expect(text).toMatch(/\ntunable\s+glibc\.pthread\.rseq=0 in GLIBC_TUNABLES: glibc leaves rseq to the package\n/)
  })

  it("beside an early adopter's __rseq_abi (glibc's registration off): legacy on both threads, OK, and what that means", async () => {
    const env = { ...GLIBC_RSEQ_OFF, LD_PRELOAD: earlyAdopterLibrary() }
    const diagnosis = await doctorJson({ env })
    expect([diagnosis.mainThread.strategy, worker(diagnosis).strategy, diagnosis.verdict.ok]).toEqual(['legacy', 'legacy', true])
    expect(diagnosis.verdict.text).toBe('OK: rseq is live (legacy on the main thread, legacy in workers).')
    expect(diagnosis.verdict.action).toMatch(/^nothing: where it says legacy, the package shares the early adopters' __rseq_abi area/)
    const text = (await runNode(doctorCli, ['doctor'], { env })).stdout
    expect(text).toMatch(/\nwhat to do {8}nothing: where it says legacy/)
  })

  it('under a seccomp filter answering ENOSYS: the filter, the missing syscall, fallback and what to do', async () => {
    const diagnosis = await doctorJson({ launcher: [seccompLauncher(), 'ENOSYS'] })
    expect(diagnosis.seccomp.active).toBe(true)
    expect(diagnosis.seccomp.mode).toBe(2)
    expect(diagnosis.kernel.hasRseq).toBe(false)
    expect([diagnosis.kernel.probe, diagnosis.kernel.probeErrno]).toEqual(['unavailable', 'ENOSYS'])
    expect(diagnosis.mainThread.strategy).toBe('fallback')
    expect(diagnosis.mainThread.errno).toBe('ENOSYS')
    expect(worker(diagnosis).strategy).toBe('fallback')
    expect(diagnosis.verdict.ok).toBe(false)
    expect(diagnosis.verdict.text).toMatch(/fallback.*ENOSYS/)
    expect(diagnosis.verdict.action).toMatch(/^allow the rseq system call in the process's seccomp profile/)
  })

  it('with RSEQ_STRATEGY=fallback: fallback on both threads, with the reason', async () => {
    const diagnosis = await doctorJson({ env: { RSEQ_STRATEGY: 'fallback' } })
    expect(diagnosis.mainThread.strategy).toBe('fallback')
    expect(worker(diagnosis).strategy).toBe('fallback')
    expect(diagnosis.verdict.text).toMatch(/RSEQ_STRATEGY=fallback/)
    expect(diagnosis.verdict.action).toBe('unset RSEQ_STRATEGY, which asks for the fallback')
  })

  it('prints the same as text, leading with the verdict and what to do, each technical line saying what it means', async () => {
    const result = await runNode(doctorCli, ['doctor'])
    expect(result.status).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines.slice(0, 3)).toEqual([
      'rseq doctor',
      'verdict           OK: rseq is live (glibc on the main thread, glibc in workers).',
      'what to do        nothing: counters, histograms and currentCpu() use per-CPU critical sections here',
    ])
    const line = (label: string) => lines.find((text) => text.startsWith(label.padEnd(18)))
    expect(line('kernel')).toMatch(
      /: rseq\(2\) available \(whether the kernel restarts critical sections as it must: the self-test line\)$/,
    )
    expect(line('auxv')).toMatch(/^auxv\s+the kernel fills \d+ bytes of an rseq area \(CPU, NUMA node and mm_cid; AT_RSEQ_FEATURE_SIZE\)/)
    expect(line('glibc')).toMatch(/registers rseq for every thread itself.*__rseq_size \d+: the bytes of it glibc vouches for/)
    expect(line('tunable')).toMatch(/glibc registers rseq \(0 would leave it to the package\)/)
    expect(line('drain')).toMatch(/switch adds to a second set of cells/)
    expect(line('  registration')).toMatch(
      /32 bytes, historical mode \(a 32-byte area: the kernel rewrites the CPU fields after every context switch/,
    )
    expect(line('  call path')).toMatch(/v8:fast: optimized code calls the addon as a plain C function/)
    for (const label of ['seccomp', 'self-test', 'main thread:', 'worker:']) expect(result.stdout).toContain(label)
  })

  it('reports a package that cannot load as a diagnosis, still exiting 0', async () => {
    const result = await runNode(doctorCli, ['doctor'], { env: { RSEQ_STRATEGY: 'own' } })
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(
      /verdict\s+the package could not load: RSEQ_STRATEGY=own cannot be honoured.*\nwhat to do\s+what the message says/,
    )
  })

  it('prints its version with --version and its usage with --help, exiting 0', async () => {
    const version = await runNode(doctorCli, ['--version'])
    expect({ status: version.status, stdout: version.stdout, stderr: version.stderr }).toEqual({
      status: 0,
      stdout: `${JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version}\n`,
      stderr: '',
    })
    const help = await runNode(doctorCli, ['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^usage: rseq doctor \[--json\]\n\s+rseq build\n\s+rseq --version \| --help\n/)
  })

  it('rejects an unknown option with what it refused, usage and exit 2', async () => {
    const result = await runNode(doctorCli, ['doctor', '--jsno'])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/^rseq: Unknown option '--jsno'[\s\S]*usage: rseq doctor/)
  })

  it('rejects an unknown command with usage and exit 2', async () => {
    const result = await runNode(doctorCli, ['diagnose'])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/unknown command 'diagnose'[\s\S]*usage: rseq doctor/)
  })
})

describe('rseq-bench on the portable path', () => {
  it('measures nothing and exits 1, saying that its figures need the native addon', async () => {
    const result = await runNode(benchCli, ['--quick'], { nodeArgs: ['--no-addons'] })
    expect([result.status, result.stdout]).toEqual([1, ''])
    expect(result.stderr).toMatch(/^rseq-bench: it measures the native addon, and none is loaded here: The portable JavaScript path runs/)
  })
})

describe('rseq-bench --quick', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rseq-bench-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const jsonFile = path.join(dir, 'bench.json')
  const svgFile = path.join(dir, 'bench.svg')
  let result: RunResult
  beforeAll(async () => {
    result = await runNode(benchCli, ['--quick', '--workers', '2', '--json', jsonFile, '--svg', svgFile])
  })

  it('exits 0 and prints both tables, quietly when not on a terminal', async () => {
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/## single thread \(ns\/op\)[^]*x N-API empty call/)
    expect(result.stdout).toMatch(/## counters/)
    expect(result.stdout).toMatch(/aborts per million rseq adds/)
    expect(result.stdout).toMatch(/## histograms[^]*PerCpuHistogram\.observe \(shared\), 2w[^]*prom-client Histogram\.observe/)
    expect(result.stderr).toBe('')
  })

  it('explains its columns before the tables and ends with what the figures mean for this host', () => {
    expect(result.stdout).toMatch(
      /^rseq-bench: .*\n\nEach figure is the median [^]*"x N-API empty call"[^]*"1w", "2w", \.\.\.: that many worker threads/,
    )
    const report = JSON.parse(readFileSync(jsonFile, 'utf8'))
    const [percpu, shared, sharded] = ['percpu', 'atomics', 'sharded-atomics'].map((method) =>
      report.counters[method].rows.at(-1).median.toFixed(1),
    )
    expect(report.meaning).toMatch(
      new RegExp(
        `^What this means here: with 2 workers, PerCpuCounter\\.add costs ${percpu} ns against ${shared} ns for one shared Atomics\\.add counter \\([\\d.]+x\\) and ${sharded} ns for Atomics\\.add sharded by currentCpu\\(\\) \\([\\d.]+x\\): `,
      ),
    )
    expect(result.stdout.trim().split('\n').pop()).toBe(report.meaning)
  })

  it('writes JSON holding the machine, the strategy and every method', async () => {
    const report = JSON.parse(readFileSync(jsonFile, 'utf8'))
    expect(report.machine.kernel).toBe(os.release())
    expect(report.strategy).toBe('glibc')
    expect(report.runtime).toEqual({ name: 'node', version: process.versions.node })
    expect(report.machine.runtime).toEqual(report.runtime)
    expect(report.singleThread.baseline).toBe('N-API empty call')
    expect(Object.keys(report.singleThread.figures)).toEqual([
      'currentCpu()',
      'N-API sched_getcpu()',
      'getcpu system call',
      'N-API empty call',
      'PerCpuCounter.add()',
      'PerCpuCounter.add(n), n a number',
      'PerCpuCounter.add(n), n a bigint',
      'PerCpuHistogram.observe(v)',
      'CounterSeries.add(), a MetricStore series',
      'shared Atomics.add',
      'Atomics.add sharded by currentCpu()',
    ])
    for (const figure of Object.values(report.singleThread.figures) as Array<{ median: number; ratio: number }>) {
      expect(figure.median).toBeGreaterThan(0)
      expect(figure.ratio).toBeCloseTo(figure.median / report.singleThread.figures['N-API empty call'].median, 6)
    }
    // On V8 fast calls, a caller not yet optimized too, each against the empty call of its own (unoptimized) process.
    expect(report.callPath).toBe('v8:fast')
    const unoptimized = report.unoptimizedCaller as Record<string, { median: number; ratio: number }>
    expect(Object.keys(unoptimized)).toEqual(['N-API empty call, caller not optimized', 'PerCpuCounter.add(), caller not optimized'])
    for (const figure of Object.values(unoptimized)) {
      expect(figure.median).toBeGreaterThan(0)
      expect(figure.ratio).toBeCloseTo(figure.median / unoptimized['N-API empty call, caller not optimized'].median, 6)
    }
    expect(Object.keys(report.counters).sort()).toEqual(['atomics', 'fallback', 'percpu', 'sharded-atomics'])
    for (const { rows } of Object.values(report.counters) as Array<{ rows: Array<Record<string, number | boolean>> }>) {
      expect(rows.map((row) => row.workers)).toEqual([1, 2])
      for (const row of rows) {
        expect(row.median).toBeGreaterThan(0)
        expect(row.min).toBeLessThanOrEqual(row.median as number)
        expect(row.exact).toBe(true)
      }
    }
    expect(report.counters.percpu.rows[0].abortsPerMillion).toBeGreaterThanOrEqual(0)
    // Histograms: the shared per-CPU one against prom-client's (one per worker), every observation counted.
    expect(Object.keys(report.histograms).sort()).toEqual(['percpu-histogram', 'prom-client'])
    for (const { rows } of Object.values(report.histograms) as Array<{ rows: Array<Record<string, number | boolean>> }>) {
      expect(rows.map((row) => row.workers)).toEqual([1, 2])
      for (const row of rows) {
        expect(row.median).toBeGreaterThan(0)
        expect(row.exact).toBe(true)
      }
    }
    expect(report.exact).toBe(true)
  })

  it('writes an SVG chart with one line per method and a legend', async () => {
    const svg = readFileSync(svgFile, 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    for (const name of [
      'PerCpuCounter.add (rseq)',
      'PerCpuCounter.add (fallback)',
      'shared Atomics.add',
      'Atomics.add sharded by currentCpu()',
    ]) {
      expect(svg).toContain(`data-series="${name}"`)
    }
    expect(svg).toMatch(/workers adding at once/)
  })

  it('rejects a bad --workers with exit 2', async () => {
    const bad = await runNode(benchCli, ['--workers', '0'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--workers must be an integer/)
  })
})
