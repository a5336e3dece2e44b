// What the addon exports (native/binding/), and so what the portable path (lib/portable-binding.ts)
// implements in JavaScript for processes where no native build loads.
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
  /** rseq(2)'s answer to registering this thread's live area again with `signature`; null in fallback. */
  registrationAnswer(signature: number): string | null
  /** Every struct rseq_cs in the addon, checked as the kernel would: signature before the handler, handler outside. */
  auditDescriptors(): { descriptors: number; signatureMatches: number; handlerOutside: number; wellFormed: number }
  /**
   * The errno of the process's harmless zero-length rseq(2) call ('EINVAL': the call exists), whether that
   * answer makes sequences possible (decided natively, in one place), and the auxiliary vector's rseq entries.
   */
  kernelProbe(): { syscall: string; available: boolean; featureSize: number; alignment: number }
  /** gnu_get_libc_version() of the loaded C library, or null where it is not glibc. */
  glibcVersion(): string | null
  bind(view: BigInt64Array): NativeLayout
  add(layout: NativeLayout, cell: number, value: number): void
  addBigInt(layout: NativeLayout, cell: number, value: bigint): void
  /** Once per thread: the Float64Array(1) the *SlotNumber functions take their number from. */
  bindNumberSlot(slot: Float64Array): void
  /** A new function add(n?) bound to `layout`'s cell 0: validates n like toInt64 and adds it. */
  counterAddFunction(layout: NativeLayout): (n?: number | bigint) => void
  /** A new function adding the number in the thread's number slot to `layout`'s cell 0, validated like toInt64. */
  counterAddSlotNumberFunction(layout: NativeLayout): () => void
  /**
   * A new function bound to a histogram's `layout`, with a copy of `tail` ([resolution, ...bounds]):
   * observes the number in the thread's number slot (adds 1 to its bucket's cell and
   * Math.round(value / resolution) to cell 0), or throws the RangeError observe() documents.
   */
  histogramObserveFunction(layout: NativeLayout, tail: Float64Array): () => void
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
