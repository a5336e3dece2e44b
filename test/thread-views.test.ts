// The view over the thread's rseq area: 8 bytes at a time, never rseq_cs, never moved to another thread.
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { getcpuSyscall } from '../lib/internal'
import { cpuWords, tailWords, threadInfo } from '../lib/registration/thread-rseq'
import * as rseq from '../lib'

/**
 * In how many of 1,000 reads the view's cpu_id_start and cpu_id agreed with each other and with the getcpu
 * system call made right beside them (a migration in between is rare).
 */
function readsAgreeingWithTheKernel(): number {
  let agreed = 0
  for (let i = 0; i < 1000; i++) {
    const [start, id] = [cpuWords![0], cpuWords![1]]
    if (start === id && id === getcpuSyscall()) agreed++
  }
  return agreed
}

describe.runIf(threadInfo.registered)("the view over this thread's rseq area", () => {
  it('covers cpu_id_start/cpu_id and node_id/mm_cid only, 8 bytes each', () => {
    expect(cpuWords!.buffer.byteLength).toBe(8)
    expect(tailWords!.buffer.byteLength).toBe(8)
    // The kernel writes both cpu_id_start and cpu_id: outside a critical section they agree, with the CPU
    // that the getcpu system call reports.
    expect(readsAgreeingWithTheKernel()).toBeGreaterThanOrEqual(900)
  })

  it('is not exported from the package', () => {
    expect(Object.keys(rseq).sort()).toEqual([
      'MetricStore',
      'PerCpuArray',
      'PerCpuCounter',
      'PerCpuHistogram',
      'currentCpu',
      'currentMmCid',
      'currentNumaNode',
      'info',
    ])
  })

  it('stays with its thread when listed for transfer: refused (Node >= 22) or posted as a copy', async () => {
    const { port1, port2 } = new MessageChannel()
    const buffer = cpuWords!.buffer
    const received = new Promise<ArrayBuffer>((resolve) => port2.once('message', resolve))
    let refused: unknown = null
    try {
      port1.postMessage(buffer, [buffer])
    } catch (error) {
      refused = error
    }
    if (refused === null) {
      const copy = await received
      expect(copy).not.toBe(buffer)
      expect(copy.byteLength).toBe(8)
    } else {
      expect((refused as Error).name).toBe('DataCloneError')
    }
    port1.close()
    // Either way the view still reads this thread's area.
    expect(buffer.byteLength).toBe(8)
    expect(readsAgreeingWithTheKernel()).toBeGreaterThanOrEqual(900)
  })
})

describe('info()', () => {
  it('returns a fresh copy each call, so callers cannot change what others see', () => {
    const first = rseq.info()
    first.strategy = 'fallback'
    if (first.glibc) first.glibc.size = 12345
    const second = rseq.info()
    expect(second.strategy).toBe(threadInfo.strategy)
    expect(second.glibc?.size).toBe(threadInfo.glibc?.size)
  })
})
