// The calling thread's rseq state, decided when this module first loads in the thread.
import { markAsUntransferable } from 'node:worker_threads'
import { native } from './binding'
import type { RseqInfo } from './types'

function requestedStrategy(): string {
  return process.env.RSEQ_STRATEGY ?? ''
}

const attached = native.attach(requestedStrategy())

// The windows alias memory the kernel writes for this thread only: moving them to another thread
// would hand it a view of the wrong CPU, and they must die with the thread that owns them.
for (const window of [attached.cpuWindow, attached.tailWindow]) {
  if (window !== null) markAsUntransferable(window)
}

export const threadInfo: Readonly<RseqInfo> = Object.freeze({
  ...attached.info,
  glibc: attached.info.glibc === null ? null : Object.freeze({ ...attached.info.glibc }),
})

/** [cpu_id_start, cpu_id], or null in fallback. Never exported from the package. */
export const cpuWords: Int32Array | null =
  attached.cpuWindow === null ? null : new Int32Array(attached.cpuWindow)

/** [node_id, mm_cid], or null in fallback. Never exported from the package. */
export const tailWords: Int32Array | null =
  attached.tailWindow === null ? null : new Int32Array(attached.tailWindow)
