// Where a seccomp filter refuses rseq(2), every thread falls back to atomics and says why.
import { beforeAll, describe, expect, it } from 'vitest'
import { seccompLauncher } from './helpers/native-fixtures'
import { agreesWithGetcpuSyscall, threadReport, type ProcessReport } from './helpers/thread-report'

describe.each([
  ['ENOSYS', /ENOSYS.*(kernel|sandbox|emulator)/],
  ['EPERM', /EPERM.*seccomp/],
])('when seccomp answers rseq(2) with %s', (errno, reasonPattern) => {
  let report: ProcessReport
  beforeAll(async () => {
    report = await threadReport({ launcher: [seccompLauncher(), errno], workers: 1 })
  })

  it('falls back on the main thread and in a worker, naming the errno', async () => {
    for (const thread of [report.main, report.firstRound[0]]) {
      expect(thread.strategy).toBe('fallback')
      expect(thread.registered).toBe(false)
      expect(thread.errno).toBe(errno)
      expect(thread.reason).toMatch(reasonPattern)
      expect(thread.mmCid).toBe(false)
      expect(thread.mmCidValue).toBe(-1)
    }
  })

  it("found glibc's registration refused too", async () => {
    expect(report.main.glibc?.size).toBe(0)
  })

  it('still answers currentCpu() correctly', async () => {
    for (const thread of [report.main, report.firstRound[0]]) {
      expect(agreesWithGetcpuSyscall(thread), JSON.stringify(thread)).toBe(true)
    }
  })
})
