import { threadInfo } from './thread-rseq'
import type { RseqInfo } from './types'

export type { RseqInfo, Strategy } from './types'
export { currentCpu, currentMmCid, currentNumaNode } from './cpu'
export { PerCpuCounter } from './percpu-counter'
export { PerCpuArray } from './percpu-array'
export type { PerCpuOptions } from './percpu-options'

/** What the package decided for the calling thread (each worker decides for itself). */
export function info(): RseqInfo {
  return { ...threadInfo, glibc: threadInfo.glibc === null ? null : { ...threadInfo.glibc } }
}
