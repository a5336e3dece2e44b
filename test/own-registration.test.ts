// With glibc's registration turned off, the package registers an area of its own for every JS thread
// and gives each back when the thread's environment is torn down.
import { describe, expect, it } from 'vitest'
import { OWN_REGISTRATION_ROUNDS } from './helpers/soak'
import { GLIBC_RSEQ_OFF, agreesWithGetcpuSyscall, threadReport } from './helpers/thread-report'

describe('with GLIBC_TUNABLES=glibc.pthread.rseq=0', () => {
  it('registers its own area on the main thread and in a worker, with the current CPU readable', async () => {
    const report = await threadReport({ env: GLIBC_RSEQ_OFF, workers: 1 })
    for (const thread of [report.main, report.firstRound[0]]) {
      expect(thread.strategy).toBe('own')
      expect(thread.registered).toBe(true)
      expect(thread.errno).toBeNull()
      expect(thread.glibc?.size).toBe(0)
      expect(agreesWithGetcpuSyscall(thread), JSON.stringify(thread)).toBe(true)
    }
    expect(report.main.liveOwn).toBe(1)
  })

  // At the soak count (test/helpers/soak.ts) about 80 s on two idle cores, and more than twice that with
  // every core busy: the bound is for a hang, not for speed.
  it(`survives 8 workers created and exited ${OWN_REGISTRATION_ROUNDS} times, leaving only the main thread registered`, async () => {
    const report = await threadReport({ env: GLIBC_RSEQ_OFF, workers: 8, rounds: OWN_REGISTRATION_ROUNDS, timeoutMs: 400_000 })
    expect(report.workerErrors).toBe(0)
    expect(report.strategies).toEqual({ own: 8 * OWN_REGISTRATION_ROUNDS })
    // While a round runs, the live count never exceeds main + 8 workers: exited workers gave theirs back.
    expect(report.maxLiveOwn).toBeGreaterThanOrEqual(2)
    expect(report.maxLiveOwn).toBeLessThanOrEqual(9)
    expect(report.liveOwnAfterExit).toBe(1)
  }, 420_000)
})
