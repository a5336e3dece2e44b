// The native binding, loaded once per JS thread (each worker gets its own instance of this module and
// of the addon's per-thread state). Prebuilds are preferred; a local build is used otherwise.
import * as path from 'node:path'
import type { RseqInfo } from './types'

export interface AttachResult {
  info: RseqInfo
  /** 8 bytes over cpu_id_start and cpu_id of this thread's rseq area, or null in fallback. */
  cpuWindow: ArrayBuffer | null
  /** 8 bytes over node_id and mm_cid of this thread's rseq area, or null in fallback. */
  tailWindow: ArrayBuffer | null
}

export interface NativeBinding {
  attach(requested: string): AttachResult
  getcpu(): number
  getNumaNode(): number
  liveOwnRegistrations(): number
  calibration: {
    emptyCall(): void
    schedGetcpu(): number
  }
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const load: (dir: string) => unknown = require('node-gyp-build')

export const native = load(path.join(__dirname, '..')) as NativeBinding
