// What the addon exports (native/binding/), and so what the portable path (lib/binding/portable-binding.ts)
// implements in JavaScript for processes where no native build loads.
import type { PERCPU_LAYOUT_FACTS } from '../layout/percpu-layout-facts'
import type { RseqInfo } from './rseq-info'
import type { USAGE_STRINGS } from './usage-strings'

export interface AttachResult {
  /** What the addon decided; the call path is the JS layer's (lib/binding/call-path.ts). */
  info: Omit<RseqInfo, 'callPath' | 'callPathReason'>
  /** 8 bytes over cpu_id_start and cpu_id of this thread's rseq area, or null in fallback. */
  cpuWindow: ArrayBuffer | null
  /** 8 bytes over node_id and mm_cid of this thread's rseq area, or null in fallback. */
  tailWindow: ArrayBuffer | null
}

/** The native side's handle on a bound per-CPU buffer or on a store's cells (an N-API external). */
export type NativeLayout = object

/** The native side's handle on a metric store's memory (an N-API external): a SharedArrayBuffer or a mapped file. */
export type StoreRegion = object

/** A host-wide store's file as mapped: its region and an ArrayBuffer over the mapping. */
export interface MappedStoreFile {
  region: StoreRegion
  buffer: ArrayBuffer
}

/** What native/percpu/percpu_layout.h states of a per-CPU buffer: lib/layout/percpu-layout-facts.ts is its generated copy. */
export type PercpuLayoutFacts = typeof PERCPU_LAYOUT_FACTS

/** The messages of the calls the binding refuses, by name (native/binding/usage_strings.h; lib/binding/usage-strings.ts). */
export type UsageStrings = { readonly [Name in keyof typeof USAGE_STRINGS]: string }

export interface NativeBinding {
  /** The per-CPU layout's constants, header fields and header problems, as the addon states them. */
  layoutFacts(): PercpuLayoutFacts
  /** The messages the binding throws for calls it refuses (some of them the start or end of a message made with a value). */
  usageStrings(): UsageStrings
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
  /**
   * A new function add(n?) bound to `layout`'s cell `cell`: validates n like toInt64, naming it `argument` in
   * errors (such as "PerCpuCounter.add(n): `n`"), refuses a negative n when `monotonic`, and adds it.
   */
  counterAddFunction(layout: NativeLayout, cell: number, argument: string, monotonic?: boolean): (n?: number | bigint) => void
  /** A new function adding the number in the thread's number slot to `layout`'s cell `cell`, validated like counterAddFunction's. */
  counterAddSlotNumberFunction(layout: NativeLayout, cell: number, argument: string, monotonic?: boolean): () => void
  /**
   * A new function bound to a histogram's cells in `layout`, from `base`, with a copy of `tail`
   * ([resolution, ...bounds]): observes the number in the thread's number slot (adds 1 to its bucket's cell,
   * base + 1 + bucket, and Math.round(value / resolution) to cell `base`), or throws the RangeError observe()
   * documents, naming the call `caller` (such as "PerCpuHistogram.observe(value)").
   */
  histogramObserveFunction(layout: NativeLayout, tail: Float64Array, base: number, caller: string): () => void
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
  /** A handle of the calling thread for `layout`'s cell `cell`, for the FFI entry points (lib/binding/ffi-symbols.ts). */
  counterHandle(layout: NativeLayout, cell: number, name: string, monotonic: boolean): number
  /** A handle for a histogram's cells from `base`, with a copy of `tail` ([resolution, ...bounds]). */
  histogramHandle(layout: NativeLayout, tail: Float64Array, base: number, caller: string): number
  /** A handle for an array's layout, for the array FFI entry points. */
  arrayHandle(layout: NativeLayout): number
  /**
   * A handle for a store gauge's float64 at `byteOffset` of the store whose cells `layout` binds. Calls on it are
   * refused (where the store's own checks would throw) once the store is closed or its memory stops holding the
   * store: the trailer at `trailerOffset` no longer holding `magic` and `checksum`, or the mapping replaced after
   * the file shrank.
   */
  gaugeHandle(layout: NativeLayout, byteOffset: number, trailerOffset: number, magic: number, checksum: number): number
  /** Frees a handle of the calling thread (and its share of the layout); false when it was not live. */
  releaseHandle(handle: number): boolean
  /** Whether the entry points reach this binding's handles on this thread (no other copy of the package attached since). */
  isCurrentBinding(): boolean
  /** A store region over an in-process store's SharedArrayBuffer (the view covers all of it). */
  storeRegionOfBuffer(view: BigInt64Array): StoreRegion
  /**
   * Opens and maps a host-wide store's file: its mapping and its permission bits (`mode`, st_mode & 0o7777),
   * `missing` when nothing is there, or why it is refused.
   */
  storeOpenFile(path: string): (MappedStoreFile & { mode: number }) | { missing: true } | { problem: string }
  /** An unnamed file of `length` zero bytes and exactly `mode` in `directory`, mapped, for storeNameFile() once filled. */
  storeCreateFile(directory: string, length: number, mode: number): MappedStoreFile | { problem: string }
  /** Names the file of a region from storeCreateFile(): 'exists' when another file took `path` first. */
  storeNameFile(region: StoreRegion, path: string): 'named' | 'exists' | { problem: string }
  /**
   * Removes a store file: only a regular file of this user, never through a symlink, that starts with `magic`
   * or is too short to hold it (a store truncated under its users).
   */
  storeRemoveFile(path: string, magic: number): 'removed' | 'missing' | { problem: string }
  /** 'lost' once the file shrank under the mapping (the SIGBUS guard replaced it with private memory). */
  storeRegionState(region: StoreRegion): 'open' | 'closed' | 'lost'
  /** Whether `path` still names the file a region maps: 'same', 'removed', 'replaced' (another file or a symlink), or 'unreachable'. */
  storeFileState(region: StoreRegion, path: string): 'same' | 'removed' | 'replaced' | 'unreachable'
  /** Closes a region: its series' functions throw from now on; a mapping is detached from its file. */
  storeCloseRegion(region: StoreRegion): void
  /** Atomic compare-and-exchange of the u32 at `byteOffset` of a region; returns the old value. */
  storeCompareExchange32(region: StoreRegion, byteOffset: number, expected: number, desired: number): number
  /** Atomically adds `value` to the float64 at `byteOffset` of a region. */
  storeAddFloat64(region: StoreRegion, byteOffset: number, value: number): void
  /** Atomically stores `value` into the float64 at `byteOffset` of a region. */
  storeSetFloat64(region: StoreRegion, byteOffset: number, value: number): void
  /** An acquire fence: records published before the directory words read before it are visible after it. */
  storeAcquireFence(): void
  /** The page size, which a host-wide store's file is laid out for. */
  storePageSize(): number
  /**
   * A layout over a store's per-CPU cells: `slots` slots of `stride` bytes at `rseqOffset` (written only by
   * restartable sequences) and at `fallbackOffset` (written only with atomics), `width` cells each.
   */
  bindStoreCells(
    region: StoreRegion,
    rseqOffset: number,
    fallbackOffset: number,
    slots: number,
    stride: number,
    width: number,
    index: number,
  ): NativeLayout
  /** out[i] = cell first + i of a store layout summed over every slot (wrapping int64). */
  sumStoreCells(layout: NativeLayout, first: number, count: number, out: BigInt64Array): void
  calibration: {
    emptyCall(): void
    schedGetcpu(): number
    getcpuSyscall(): number
  }
}
