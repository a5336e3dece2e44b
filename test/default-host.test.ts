// On a glibc >= 2.35 host with rseq, glibc owns every thread's area and the package shares it.
import * as os from 'node:os'
import { beforeAll, describe, expect, it } from 'vitest'
import { agreesWithGetcpuSyscall, threadReport, type ProcessReport, type ThreadReport } from './helpers/thread-report'

describe('on a default glibc host', () => {
  let report: ProcessReport
  let threads: ThreadReport[]
  beforeAll(async () => {
    report = await threadReport({ workers: 2 })
    threads = [report.main, ...report.firstRound]
  })

  it("uses glibc's registration on the main thread and in workers", async () => {
    expect(report.firstRound).toHaveLength(2)
    for (const thread of threads) {
      expect(thread.strategy).toBe('glibc')
      expect(thread.registered).toBe(true)
      expect(thread.errno).toBeNull()
      expect(thread.reason).toMatch(/glibc registered rseq/)
    }
  })

  it("reports glibc's symbols and the architecture", async () => {
    const { main } = report
    expect(main.glibc).not.toBeNull()
    expect(main.glibc!.size).toBeGreaterThanOrEqual(20)
    expect(main.glibc!.offset).not.toBe(0)
    expect(main.arch).toBe(process.arch)
  })

  it("reports the signature the kernel holds glibc's registration under, on every thread", async () => {
    for (const thread of threads) {
      expect(thread.kernelAnswers).toEqual({ reported: 'EBUSY', other: 'EPERM' })
    }
  })

  it('reads currentCpu() from the rseq area, agreeing with the getcpu system call', async () => {
    for (const thread of threads) {
      expect(thread.cpu).toBeGreaterThanOrEqual(0)
      expect(thread.cpu).toBeLessThan(os.cpus().length)
      expect(agreesWithGetcpuSyscall(thread), JSON.stringify(thread)).toBe(true)
    }
  })

  it('gives mm_cid and node_id where the kernel fills them', async () => {
    for (const thread of threads) {
      expect(thread.mmCid).toBe(thread.featureSize >= 28)
      expect(thread.numaNode).toBe(thread.featureSize >= 24)
      if (thread.mmCid) {
        expect(thread.mmCidValue).toBeGreaterThanOrEqual(0)
        expect(thread.mmCidValue).toBeLessThan(os.cpus().length)
      } else {
        expect(thread.mmCidValue).toBe(-1)
      }
      expect(thread.numaNodeValue).toBeGreaterThanOrEqual(0)
    }
  })

  it('registers nothing of its own', async () => {
    expect(report.maxLiveOwn).toBe(0)
    expect(report.liveOwnAfterExit).toBe(0)
  })
})
