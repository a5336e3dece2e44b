// Before any sequence runs, the process proves that the kernel restarts a critical section scheduled out
// on its CPU (arm64 6.19 to 7.0.13 did not). Where the proof fails every thread takes fallback, says why,
// and still counts exactly. A test build arming a decoy area plays such a kernel on this one.
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { instrumentedPackage } from './helpers/instrumented-package'
import { lateSeccompLibrary, seccompLauncher } from './helpers/native-fixtures'
import { addFromWorkers } from './helpers/percpu-workers'
import { runNode, runNodeJson } from './helpers/run-node'
import type { RseqInfo } from '../lib/binding/rseq-info'
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

/** Every thread of a process on `pkg` took fallback because of the self-test's `verdict`; returns the reasons. */
async function fallbackOnEveryThread(pkg: string, verdict: string): Promise<string[]> {
  const report = await threadReport({ env: { RSEQ_PACKAGE: pkg }, workers: 2 })
  const threads = [report.main, ...report.firstRound]
  for (const thread of threads) {
    expect(thread.strategy).toBe('fallback')
    expect(thread.registered).toBe(false)
    expect(thread.selfTest.verdict).toBe(verdict)
  }
  expect(report.liveOwnAfterExit).toBe(0)
  return threads.map((thread) => thread.reason)
}

/** What `rseq doctor` of the package copy `pkg` says, as JSON and as text. */
async function doctorOf(
  pkg: string,
): Promise<{ diagnosis: { verdict: { ok: boolean; action: string }; mainThread: { strategy: string } }; text: string }> {
  const cli = path.join(pkg, 'dist', 'cli', 'rseq.js')
  const [json, text] = [await runNode(cli, ['doctor', '--json']), await runNode(cli, ['doctor'])]
  expect([json.status, text.status], json.stderr + text.stderr).toEqual([0, 0])
  return { diagnosis: JSON.parse(json.stdout), text: text.stdout }
}

/** 4 workers adding on `pkg` all take fallback and count exactly. */
async function expectExactOnFallback(pkg: string): Promise<void> {
  const result = await addFromWorkers(['--workers', '4', '--adds', '100000'], { env: { RSEQ_PACKAGE: pkg } })
  expect(result.workerStrategies).toEqual(['fallback', 'fallback', 'fallback', 'fallback'])
  expect(result.observed).toBe(result.expected)
}

describe('on a kernel that does not restart sequences (a test build arming a decoy area)', () => {
  let broken: string
  beforeAll(async () => {
    broken = await instrumentedPackage('-DRSEQ_TEST_UNARMED_SELF_TEST')
  }, 600_000)

  it('takes fallback on every thread with a reason naming the kernel, the symptom and the fix', async () => {
    for (const reason of await fallbackOnEveryThread(broken, 'does-not-restart')) {
      expect(reason).toMatch(/does not restart interrupted critical sections \(Linux \S+ resumed a critical section/)
      expect(reason).toMatch(/7\.0\.14, 7\.1 or later/)
    }
  })

  it('still counts exactly with 4 workers', async () => {
    await expectExactOnFallback(broken)
  })

  it('makes rseq doctor lead with it: not OK, boot a kernel that restarts sequences, the self-test FAILED', async () => {
    const { diagnosis, text } = await doctorOf(broken)
    expect([diagnosis.verdict.ok, diagnosis.mainThread.strategy]).toEqual([false, 'fallback'])
    expect(diagnosis.verdict.action).toMatch(/^boot a kernel that restarts critical sections \(see the self-test line\)/)
    expect(text).toMatch(/\nwhat to do {8}boot a kernel that restarts critical sections/)
    expect(text).toMatch(
      /\nself-test {9}FAILED: Linux \S+ resumed a critical section .*; every thread uses the atomics fallback \(\d+\.\d\d ms\)\n/,
    )
  })

  it('refuses a forced rseq strategy instead of running sequences there', async () => {
    const result = await runNode('thread-report.cjs', [], { env: { RSEQ_PACKAGE: broken, RSEQ_STRATEGY: 'glibc' } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/RSEQ_STRATEGY=glibc cannot be honoured[^]*does not restart/)
  })
})

describe('a self-test that cannot hang', () => {
  let widened: string
  beforeAll(async () => {
    // About a millisecond of spinning between arming the probe and storing `entered`: the other thread's
    // wake-ups preempt it there, the kernel aborts it before `entered` is ever stored.
    widened = await instrumentedPackage('-DRSEQ_TEST_DELAY=3000000')
  }, 600_000)

  it('ends, with its verdict, in every one of 20 processes whose probe is preempted before it says it entered', async () => {
    const runs = []
    for (let i = 0; i < 20; i++) {
      // One at a time: each is judged on its own time limit, far beyond what a run takes.
      runs.push(await runNode('thread-report.cjs', ['--workers', '0'], { env: { RSEQ_PACKAGE: widened }, timeoutMs: 30_000 }))
    }
    for (const run of runs) {
      expect(run.status, `killed after 30 s (a hung self-test) or failed: ${run.stderr}`).toBe(0)
      const report = JSON.parse(run.stdout.trim().split('\n').pop()!)
      expect(report.main.selfTest.verdict).toBe('restarts')
      expect(report.main.strategy).toBe('glibc')
    }
  }, 900_000)
})

describe('a self-test that fails closed', () => {
  let timesOut: string
  beforeAll(async () => {
    // The probe's budget is one iteration: no attempt can be scheduled out in time.
    timesOut = await instrumentedPackage('-DRSEQ_TEST_SELF_TEST_SPIN=1')
  }, 600_000)

  it('tries again, and after 3 inconclusive attempts every thread takes fallback, saying why and how to override it', async () => {
    for (const reason of await fallbackOnEveryThread(timesOut, 'inconclusive')) {
      expect(reason).toMatch(
        /could not prove that this kernel restarts interrupted critical sections \(the self-test's sequence was never scheduled out on CPU \d+ in 3 attempts\)/,
      )
      expect(reason).toMatch(/start with RSEQ_STRATEGY=glibc to use rseq anyway/)
    }
  })

  it('still counts exactly with 4 workers', async () => {
    await expectExactOnFallback(timesOut)
  })

  it('makes rseq doctor say what kept the test from deciding, and how to force rseq where the kernel is known good', async () => {
    const { diagnosis, text } = await doctorOf(timesOut)
    expect([diagnosis.verdict.ok, diagnosis.mainThread.strategy]).toEqual([false, 'fallback'])
    expect(diagnosis.verdict.action).toMatch(
      /^see the self-test line for what kept it from deciding; RSEQ_STRATEGY=glibc or own forces rseq/,
    )
    expect(text).toMatch(
      /\nself-test {9}inconclusive: the self-test's sequence was never scheduled out on CPU \d+ in 3 attempts; every thread uses the atomics fallback unless RSEQ_STRATEGY forces rseq/,
    )
  })

  it('lets a forced strategy override an inconclusive test, and says so', async () => {
    const report = await threadReport({ env: { RSEQ_PACKAGE: timesOut, RSEQ_STRATEGY: 'glibc' }, workers: 1 })
    for (const thread of [report.main, report.firstRound[0]]) {
      expect(thread.strategy).toBe('glibc')
      expect(thread.selfTest.verdict).toBe('inconclusive')
      expect(thread.selfTest.attempts).toBe(3)
      expect(thread.reason).toMatch(/The restart self-test was inconclusive \(.*\); RSEQ_STRATEGY=glibc overrides it\./)
    }
  })

  it('takes fallback with the errno, never an abort, when its threads cannot be created', async () => {
    // A seccomp filter on the running main thread answers clone and clone3 with EAGAIN, as a thread limit
    // would: the self-test's first pthread_create fails.
    const report = await runNodeJson<{ info: RseqInfo; counted: number; expected: number }>('answers-report.cjs', [], {
      env: { RSEQ_LATE_SECCOMP: lateSeccompLibrary(), RSEQ_TEST_LATE_REFUSALS: 'clone:EAGAIN,clone3:EAGAIN' },
    })
    expect(report.info.strategy).toBe('fallback')
    expect(report.info.errno).toBe('EAGAIN')
    expect(report.info.selfTest.verdict).toBe('inconclusive')
    expect(report.info.selfTest.detail).toMatch(/could not start its thread \(EAGAIN\)/)
    expect(report.counted).toBe(report.expected)
  })
})
