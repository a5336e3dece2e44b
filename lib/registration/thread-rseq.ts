// The calling thread's rseq state, decided when this module first loads in the thread.
import { native, requested } from '../binding/chosen-binding'
import { callPath, callPathReason } from '../binding/call-path'
import type { RseqInfo } from '../binding/rseq-info'

const attached = native.attach(requested)

// The windows alias memory the kernel writes for this thread only. They are external ArrayBuffers, which
// Node marks untransferable itself (posting one is refused, or sends a copy on Node < 22) and detaches
// when the thread's environment is torn down. They must not be marked again with markAsUntransferable():
// in recent Node 24 releases and in 26 that sets a V8 detach key, and Node's teardown, which detaches
// external buffers without a key, then aborts ("v8::FromJust Maybe value is Nothing" in RunCleanup).

export const threadInfo: Readonly<RseqInfo> = Object.freeze({
  ...attached.info,
  callPath,
  callPathReason,
  glibc: attached.info.glibc === null ? null : Object.freeze({ ...attached.info.glibc }),
})

/** [cpu_id_start, cpu_id], or null without rseq (fallback, portable). Never exported from the package. */
export const cpuWords: Int32Array | null = attached.cpuWindow === null ? null : new Int32Array(attached.cpuWindow)

/** [node_id, mm_cid], or null without rseq (fallback, portable). Never exported from the package. */
export const tailWords: Int32Array | null = attached.tailWindow === null ? null : new Int32Array(attached.tailWindow)
