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

/** The native side's handle on a bound per-CPU buffer (an N-API external). */
export type NativeLayout = object

export interface NativeBinding {
  attach(requested: string): AttachResult
  getcpu(): number
  getNumaNode(): number
  liveOwnRegistrations(): number
  /** Every struct rseq_cs in the addon, checked as the kernel would: signature before the handler, handler outside. */
  auditDescriptors(): { descriptors: number; signatureMatches: number; handlerOutside: number; wellFormed: number }
  /** A harmless rseq(2) call's errno ('EINVAL': the call exists), and the auxiliary vector's rseq entries. */
  kernelProbe(): { syscall: string; featureSize: number; alignment: number }
  bind(view: BigInt64Array): NativeLayout
  add(layout: NativeLayout, cell: number, value: number): void
  addBigInt(layout: NativeLayout, cell: number, value: bigint): void
  /** A new function add(n?) bound to `layout`'s cell 0: validates n like toInt64 and adds it. */
  counterAddFunction(layout: NativeLayout): (n?: number | bigint) => void
  /** A new function observe(bucketCell, units) bound to a histogram's `layout`: adds 1 to the bucket, units to cell 0. */
  histogramObserveFunction(layout: NativeLayout): (bucketCell: number, units: number) => void
  max(layout: NativeLayout, cell: number, value: number): void
  maxBigInt(layout: NativeLayout, cell: number, value: bigint): void
  compareExchange(layout: NativeLayout, cell: number, expected: number, desired: number): number
  compareExchangeBigInt(layout: NativeLayout, cell: number, expected: bigint, desired: bigint): number
  /** The cell's sum over every slot, reset to zero exactly while others add. */
  drainCell(layout: NativeLayout, cell: number): bigint
  /** How this process drains: 'fence' (membarrier rseq fence), 'exchange' (no rseq possible), 'snapshot'. */
  drainMode(): string
  /** Aborted critical sections on the calling thread. */
  threadAborts(): number
  /** Aborted critical sections in the process. */
  processAborts(): number
  possibleCpus(): number
  /** Runs the add sequence with a forged slot index; returns its status (-2: rejected as out of range). */
  addWithForgedIndex(layout: NativeLayout, cell: number, value: number, index: number): number
  calibration: {
    emptyCall(): void
    schedGetcpu(): number
    getcpuSyscall(): number
  }
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const load: (dir: string) => unknown = require('node-gyp-build')

export const native = load(path.join(__dirname, '..')) as NativeBinding
