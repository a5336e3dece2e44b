// Before any sequence runs, the process proves that the kernel restarts a critical section scheduled out
// on its CPU (arm64 6.19 to 7.0.13 did not). Where the proof fails every thread takes fallback, says why,
// and still counts exactly. A test build arming a decoy area plays such a kernel on this one.
import { beforeAll, describe, expect, it } from 'vitest'
import { instrumentedPackage } from './helpers/instrumented-package'
import { seccompLauncher } from './helpers/native-fixtures'
import { addFromWorkers } from './helpers/percpu-workers'
import { runNode } from './helpers/run-node'
import { GLIBC_RSEQ_OFF, threadReport } from './helpers/thread-report'

describe('the restart self-test on this kernel', () => {
  it('passes once per process, before the first sequence, for the main thread and every worker', async () => {
    const report = await threadReport({ workers: 2 })
    const threads = [report.main, ...report.firstRound]
    for (const thread of threads) {
      expect(thread.strategy).toBe('glibc')
      expect(thread.selfTest.verdict).toBe('restarts')
      expect(thread.selfTest.detail).toMatch(/restarted a sequence scheduled out on CPU \d+/)
    }
    // One test for the whole process: every thread reports the same run of it.
    expect(new Set(threads.map((thread) => thread.selfTest.microseconds)).size).toBe(1)
    expect(report.main.selfTest.microseconds).toBeGreaterThan(0)
  })

  it('registers an area of its own for the test where glibc does not, and leaves none behind', async () => {
    const report = await threadReport({ env: GLIBC_RSEQ_OFF, workers: 1 })
    expect(report.main.strategy).toBe('own')
    expect(report.main.selfTest.verdict).toBe('restarts')
    expect(report.main.liveOwn).toBe(1) // the main thread's only: the self-test's area is gone
    expect(report.liveOwnAfterExit).toBe(1)
  })

  it('does not run where no thread can have rseq', async () => {
    for (const options of [{ env: { RSEQ_STRATEGY: 'fallback' } }, { launcher: [seccompLauncher(), 'ENOSYS'] }]) {
      const report = await threadReport({ ...options, workers: 1 })
      expect(report.main.selfTest.verdict).toBe('not-run')
      expect(report.main.selfTest.microseconds).toBe(0)
    }
  })

  it('reports the registration each thread runs on: glibc 2.36 and this kernel register 32 bytes', async () => {
    const [glibc, own] = await Promise.all([threadReport({ workers: 1 }), threadReport({ env: GLIBC_RSEQ_OFF, workers: 1 })])
    expect(glibc.main.registration).toEqual({ length: 32, mode: 'historical' })
    expect(own.main.registration).toEqual({ length: 32, mode: 'historical' })
    const fallback = await threadReport({ env: { RSEQ_STRATEGY: 'fallback' }, workers: 0 })
    expect(fallback.main.registration).toBeNull()
  })
})

describe('on a kernel that does not restart sequences (a test build arming a decoy area)', () => {
  let broken: string
  beforeAll(async () => {
    broken = await instrumentedPackage('self-test-unarmed', '-DRSEQ_TEST_UNARMED_SELF_TEST')
  }, 600_000)

  it('takes fallback on every thread with a reason naming the kernel, the symptom and the fix', async () => {
    const report = await threadReport({ env: { RSEQ_PACKAGE: broken }, workers: 2 })
    for (const thread of [report.main, ...report.firstRound]) {
      expect(thread.strategy).toBe('fallback')
      expect(thread.registered).toBe(false)
      expect(thread.selfTest.verdict).toBe('does-not-restart')
      expect(thread.reason).toMatch(/does not restart interrupted critical sections \(Linux \S+ resumed a critical section/)
      expect(thread.reason).toMatch(/7\.0\.14, 7\.1 or later/)
    }
    expect(report.liveOwnAfterExit).toBe(0)
  })

  it('still counts exactly with 4 workers', async () => {
    const result = await addFromWorkers(['--workers', '4', '--adds', '100000'], { env: { RSEQ_PACKAGE: broken } })
    expect(result.workerStrategies).toEqual(['fallback', 'fallback', 'fallback', 'fallback'])
    expect(result.observed).toBe(result.expected)
  })

  it('refuses a forced rseq strategy instead of running sequences there', async () => {
    const result = await runNode('thread-report.cjs', [], { env: { RSEQ_PACKAGE: broken, RSEQ_STRATEGY: 'glibc' } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/RSEQ_STRATEGY=glibc cannot be honoured[^]*does not restart/)
  })
})
