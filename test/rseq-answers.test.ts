// Every answer rseq(2) can give means one thing, decided in one place (native/registration/rseq_answers.h):
// a registered area is shared only when registering it again answers EBUSY, sequences run only where the
// process found the system call available, and the drain mode follows from that same answer, so a thread
// never runs sequences in a process that drains with plain exchanges. A seccomp filter installed into the
// running process (test/fixtures/late-seccomp.c), after glibc registered its main thread, plays each answer.
import { beforeAll, describe, expect, it } from 'vitest'
import { lateSeccompLibrary } from './helpers/native-fixtures'
import { runNodeJson } from './helpers/run-node'
import type { RseqInfo } from '../lib/binding/rseq-info'

interface AnswersReport {
  info: RseqInfo
  counted: number
  expected: number
}

let library: string
beforeAll(() => {
  library = lateSeccompLibrary()
})

function answersReport(refusals: string): Promise<AnswersReport> {
  return runNodeJson<AnswersReport>('answers-report.cjs', [], {
    env: { RSEQ_LATE_SECCOMP: library, RSEQ_TEST_LATE_REFUSALS: refusals },
  })
}

describe("registering glibc's area of the main thread again", () => {
  it("answering EBUSY confirms it: the thread shares glibc's registration", async () => {
    const report = await answersReport('rseq-main-area:EBUSY')
    expect(report.info.strategy).toBe('glibc')
    expect(report.info.errno).toBeNull()
    expect(report.info.reason).toMatch(/with the standard signature/)
    expect(report.info.selfTest.verdict).toBe('restarts')
    expect(report.counted).toBe(report.expected)
  })

  it.each([
    ['ENOSYS', /answered ENOSYS: a seccomp filter or sandbox refuses rseq\(2\)/],
    ['EPERM', /signature other than 0x[0-9a-f]{8}, or a seccomp filter refuses rseq\(2\) \(EPERM\)/],
    ['EINVAL', /again at \d+ bytes answered EINVAL, not EBUSY: it is registered at another length/],
    ['ENOENT', /answered ENOENT, where only EBUSY confirms it/],
  ])('answering %s means fallback, naming the answer', async (errno, reason) => {
    const report = await answersReport(`rseq-main-area:${errno}`)
    expect(report.info.strategy).toBe('fallback')
    expect(report.info.registered).toBe(false)
    expect(report.info.errno).toBe(errno)
    expect(report.info.reason).toMatch(reason)
    expect(report.info.reason).toMatch(/Counters stay exact over atomics/)
    expect(report.info.selfTest.verdict).toBe('not-run')
    expect(report.counted).toBe(report.expected)
  })

  it('being accepted means the area was not registered (a stale cpu_id): fallback', async () => {
    const report = await answersReport('rseq-main-area:0')
    expect(report.info.strategy).toBe('fallback')
    expect(report.info.errno).toBeNull()
    expect(report.info.reason).toMatch(/looked registered \(cpu_id \d+\) but the kernel accepted a new registration of it/)
    expect(report.counted).toBe(report.expected)
  })
})

describe("the process's answer decides both whether sequences run and how drains work", () => {
  it('rseq(2) refused to every call and no rseq fence: fallback and exchange drains, never sequences with them', async () => {
    const report = await answersReport('rseq:ENOSYS,membarrier:ENOSYS')
    expect(report.info.strategy).toBe('fallback')
    expect(report.info.errno).toBe('ENOSYS')
    expect(report.info.drain).toBe('exchange')
    expect(report.counted).toBe(report.expected)
  })

  it('rseq(2) there but registrations refused and no fence: fallback with snapshot drains', async () => {
    const report = await answersReport('rseq-registrations:EPERM,membarrier:ENOSYS')
    expect(report.info.strategy).toBe('fallback')
    expect(report.info.drain).toBe('snapshot')
    expect(report.counted).toBe(report.expected)
  })

  it("the fence refused alone: glibc's registration with snapshot drains", async () => {
    const report = await answersReport('membarrier:ENOSYS')
    expect(report.info.strategy).toBe('glibc')
    expect(report.info.drain).toBe('snapshot')
    expect(report.counted).toBe(report.expected)
  })
})

describe('a registration rseq(2) reports as done', () => {
  it("counts only if the kernel then writes the area: faked by a filter (glibc's off), the thread falls back", async () => {
    const report = await runNodeJson<AnswersReport>('answers-report.cjs', [], {
      env: { RSEQ_LATE_SECCOMP: library, RSEQ_TEST_LATE_REFUSALS: 'rseq-registrations:0', GLIBC_TUNABLES: 'glibc.pthread.rseq=0' },
    })
    expect(report.info.strategy).toBe('fallback')
    expect(report.info.errno).toBeNull()
    expect(report.info.reason).toMatch(/reported registering an rseq area for this thread a success, but the kernel never wrote its cpu_id/)
    expect(report.counted).toBe(report.expected)
  })
})
