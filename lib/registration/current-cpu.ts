// Where the calling thread runs. With rseq live each answer is one load from the thread's rseq area,
// which the kernel rewrites before the thread returns to user space after any migration; in fallback
// each answer is a getcpu(2) through the vDSO; on the portable path (no native build) each is -1, unknown.
import { native } from '../binding/chosen-binding'
import { cpuWords, tailWords, threadInfo } from './thread-rseq'

const CPU_ID = 1
const NODE_ID = 0
const MM_CID = 1

function cpuFromArea(words: Int32Array): () => number {
  return () => words[CPU_ID]
}

/** The CPU the calling thread is running on, like sched_getcpu(3). */
export const currentCpu: () => number = cpuWords !== null ? cpuFromArea(cpuWords) : () => native.getcpu()

/** The per-process concurrency id (Linux >= 6.3): dense, below the thread and CPU counts; -1 where unavailable. */
export const currentMmCid: () => number = tailWords !== null && threadInfo.mmCid ? () => tailWords![MM_CID] : () => -1

/** The NUMA node of the CPU the calling thread is running on. */
export const currentNumaNode: () => number =
  tailWords !== null && threadInfo.numaNode ? () => tailWords![NODE_ID] : () => native.getNumaNode()
