// A library that registered a private, unexported area owns that thread: the package cannot share it.
import { beforeAll, describe, expect, it } from 'vitest'
import { unknownOwnerLibrary } from './helpers/native-fixtures'
import { GLIBC_RSEQ_OFF, agreesWithGetcpuSyscall, threadReport, type ProcessReport } from './helpers/thread-report'

describe.each([
  ['the standard signature', {}],
  ['a foreign signature', { UNKNOWN_OWNER_SIGNATURE: '0x12345678' }],
])("with an unknown owner preloaded (%s) and glibc's registration off", (_label, extraEnv) => {
  let report: ProcessReport
  beforeAll(async () => {
    report = await threadReport({
      env: { ...GLIBC_RSEQ_OFF, LD_PRELOAD: unknownOwnerLibrary(), ...extraEnv },
      workers: 2,
    })
  })

  it('falls back on the thread the unknown owner registered, naming EINVAL or EBUSY', async () => {
    expect(report.main.strategy).toBe('fallback')
    expect(['EINVAL', 'EBUSY']).toContain(report.main.errno)
    expect(report.main.reason).toMatch(/another library already registered a private rseq area/)
    expect(agreesWithGetcpuSyscall(report.main)).toBe(true)
  })

  it('registers its own area on the threads the unknown owner did not touch', async () => {
    for (const worker of report.firstRound) {
      expect(worker.strategy).toBe('own')
      expect(agreesWithGetcpuSyscall(worker)).toBe(true)
    }
    expect(report.liveOwnAfterExit).toBe(0)
  })
})
