import { threadInfo } from './thread-rseq'
import type { RseqInfo } from './types'

export type { RseqInfo, Strategy } from './types'
export { currentCpu, currentMmCid, currentNumaNode } from './cpu'

/** What the package decided for the calling thread (each worker decides for itself). */
export function info(): RseqInfo {
  return { ...threadInfo, glibc: threadInfo.glibc === null ? null : { ...threadInfo.glibc } }
}
