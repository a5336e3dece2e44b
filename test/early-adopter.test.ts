// An early adopter that exports __rseq_abi (the protocol before glibc 2.35) is joined, not competed with.
import { beforeAll, describe, expect, it } from 'vitest'
import { earlyAdopterLibrary } from './helpers/native-fixtures'
import { GLIBC_RSEQ_OFF, agreesWithGetcpuSyscall, threadReport, type ProcessReport } from './helpers/thread-report'

describe("with an early adopter preloaded and glibc's registration off", () => {
  let report: ProcessReport
  beforeAll(async () => {
    report = await threadReport({ env: { ...GLIBC_RSEQ_OFF, LD_PRELOAD: earlyAdopterLibrary() }, workers: 2 })
  })

  it('shares the area the early adopter registered on the main thread', async () => {
    expect(report.main.strategy).toBe('legacy')
    expect(report.main.registered).toBe(true)
    expect(report.main.reason).toMatch(/had registered its exported __rseq_abi/)
    expect(agreesWithGetcpuSyscall(report.main)).toBe(true)
  })

  it('registers the shared __rseq_abi itself on threads the early adopter left alone', async () => {
    for (const worker of report.firstRound) {
      expect(worker.strategy).toBe('legacy')
      expect(worker.reason).toMatch(/registered that shared area/)
      expect(agreesWithGetcpuSyscall(worker)).toBe(true)
    }
  })

  it('never registers a private area beside it', async () => {
    expect(report.maxLiveOwn).toBe(0)
    expect(report.liveOwnAfterExit).toBe(0)
  })
})

describe("with an early adopter preloaded and glibc's registration on", () => {
  it('prefers glibc, whose registration the early adopter could not override', async () => {
    const report = await threadReport({ env: { LD_PRELOAD: earlyAdopterLibrary() }, workers: 1 })
    expect(report.main.strategy).toBe('glibc')
    expect(report.firstRound[0].strategy).toBe('glibc')
  })
})
