// The portable path: the addon's interface (lib/binding/binding-interface.ts) in plain JavaScript, for processes where
// no native build loads (macOS, Windows, musl without a local build, an architecture without sequences,
// `node --no-addons`, Deno without --allow-ffi) or RSEQ_STRATEGY=portable. It runs on the same buffers
// with the same layout (lib/layout/percpu-layout.ts), writing only the fallback slots with atomics as the native
// fallback does, and drains by atomic exchange: exact like every strategy, only slower. JavaScript cannot
// know its CPU, so each thread writes the slot of its worker threadId (spreading threads over slots) and
// the CPU, NUMA node and mm_cid read -1 ("unknown"). Validation and messages are the addon's: the messages and
// the layout's facts are the addon's own, in the copies generated from its exports (./usage-strings.ts,
// lib/layout/percpu-layout-facts.ts), which layoutFacts() and usageStrings() answer here too.
import { threadId } from 'node:worker_threads'
import { toInt64 } from './integer-args'
import { HEADER_BYTES, HEADER_FIELDS, HeaderField, SLOT_ALIGNMENT } from '../layout/percpu-layout'
import { PERCPU_LAYOUT_FACTS } from '../layout/percpu-layout-facts'
import type { AttachResult, NativeBinding, NativeLayout } from './binding-interface'
import { USAGE_STRINGS as USAGE } from './usage-strings'
import { readPossibleCpus } from './possible-cpus'
import type { StrategyRequest } from './strategy-request'
import type { RseqInfo } from './rseq-info'

/** What currentCpu(), currentNumaNode(), currentMmCid() and the calibration calls answer on this path. */
export const UNKNOWN = -1
/** What storePageSize() answers on this path, which maps no file: in-process stores record no page size. */
const UNKNOWN_PAGE_SIZE = 0
const COMPARE_FAILED = -1
/** Where rseq set 0 starts, in words: right after the header. */
const HEADER_WORDS = HEADER_BYTES / 8

/** A bound buffer or store: its cells as BigInt64Array words and where this thread's fallback slot starts. */
interface PortableLayout {
  words: BigInt64Array
  width: number
  slots: number
  strideWords: number
  /** First word of cell 0 of the rseq slots (set 0) and of the fallback slots. */
  rseqStart: number
  fallbackStart: number
  /** The slot this thread writes, and its first word. */
  slot: number
  mine: number
  /** A per-CPU buffer's cells are drained; a store's never are. */
  drainable: boolean
  /** The store region the cells belong to, whose closing stops their functions; null for a per-CPU buffer. */
  region: PortableRegion | null
}

/** A store's memory on this path: always a SharedArrayBuffer (files need the native build to be mapped). */
interface PortableRegion {
  view: BigInt64Array
  closed: boolean
}

const possibleCpus = readPossibleCpus()
// A worker's threadId is a non-negative integer in every runtime; anything else would address the header.
const slotOfThisThread = (Number.isSafeInteger(threadId) && threadId >= 0 ? threadId : 0) % possibleCpus
const layouts = new WeakSet<object>()
const regions = new WeakSet<object>()

function newLayout(
  words: BigInt64Array,
  width: number,
  slots: number,
  strideWords: number,
  rseqStart: number,
  fallbackStart: number,
  region: PortableRegion | null,
): PortableLayout {
  const slot = slotOfThisThread % slots
  const layout: PortableLayout = {
    words,
    width,
    slots,
    strideWords,
    rseqStart,
    fallbackStart,
    slot,
    mine: fallbackStart + slot * strideWords,
    drainable: region === null,
    region,
  }
  layouts.add(layout)
  return layout
}

// The addon's messages for what the layer above never passes: the same failure reads the same on both paths.
const PROBLEMS = PERCPU_LAYOUT_FACTS.problems
/** How many index kinds a header or a store's cells may name: codes from 0. */
const INDEX_KINDS = Object.keys(PERCPU_LAYOUT_FACTS.indexKinds).length

function bind(view: BigInt64Array): NativeLayout {
  if (view === undefined) throw new TypeError(USAGE.BindViewRequired)
  if (!(view instanceof BigInt64Array)) throw new TypeError(USAGE.BindViewNotBigInt64Array)
  if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) throw new TypeError(USAGE.BindViewNotWhole)
  if (!(view.buffer instanceof SharedArrayBuffer)) throw new TypeError(USAGE.BindViewNotShared)
  // The layer above validated the header (readGeometry); what addressing relies on is checked again here.
  if (view.byteLength < HEADER_BYTES) throw new TypeError(PROBLEMS.TooShort)
  const header = new Uint32Array(view.buffer, 0, HEADER_FIELDS)
  const slots = header[HeaderField.Slots]
  const strideWords = header[HeaderField.Stride] / 8
  // Drains here exchange set 0 and the fallback slots: a buffer laid out for the fence or for snapshots is
  // another process's (or a thread's running the native addon with the fence), as the addon says too.
  if (header[HeaderField.RseqSets] !== 1 || header[HeaderField.Baseline] !== 0) {
    throw new TypeError(USAGE.BufferOfAnotherDrainMode)
  }
  const fallbackStart = HEADER_WORDS + slots * strideWords
  if (!Number.isInteger(strideWords) || slots < 1 || (fallbackStart + slots * strideWords) * 8 > view.byteLength) {
    throw new TypeError(PROBLEMS.WidthAndStride)
  }
  return newLayout(view, header[HeaderField.Width], slots, strideWords, HEADER_WORDS, fallbackStart, null)
}

/** The bound layout and the word of `cell` in this thread's slot, or the addon's TypeError `usage`. */
function cellOf(layout: NativeLayout, cell: number, usage: string): [PortableLayout, number] {
  const bound = layoutOf(layout, usage)
  return [bound, bound.mine + cellIn(bound, cell, usage)]
}

/** An int64 argument as the addon reads it: a safe-integer number, or a bigint that fits (lossless). */
function int64Of(value: unknown, usage: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 63) return BigInt(value)
  if (typeof value === 'bigint' && BigInt.asIntN(64, value) === value) return value
  throw new TypeError(usage)
}

function add(layout: NativeLayout, cell: number, value: number | bigint): void {
  const [bound, at] = cellOf(layout, cell, USAGE.CellUpdateUsage)
  Atomics.add(bound.words, at, int64Of(value, USAGE.CellUpdateUsage))
}

function max(layout: NativeLayout, cell: number, value: number | bigint): void {
  const [bound, at] = cellOf(layout, cell, USAGE.CellUpdateUsage)
  const wanted = int64Of(value, USAGE.CellUpdateUsage)
  for (;;) {
    const current = Atomics.load(bound.words, at)
    if (current >= wanted || Atomics.compareExchange(bound.words, at, current, wanted) === current) return
  }
}

function compareExchange(layout: NativeLayout, cell: number, expected: number | bigint, desired: number | bigint): number {
  const usage = USAGE.CompareExchangeUsage
  const [bound, at] = cellOf(layout, cell, usage)
  const want = int64Of(expected, usage)
  const stored = Atomics.compareExchange(bound.words, at, want, int64Of(desired, usage)) === want
  return stored ? bound.slot : COMPARE_FAILED
}

/** Every slot's cell, rseq set and fallback, exchanged for zero: no thread of this process runs sequences. */
function drainCell(layout: NativeLayout, cell: number): bigint {
  const [bound] = cellOf(layout, cell, USAGE.DrainCellUsage)
  if (!bound.drainable) throw new TypeError(USAGE.DrainCellUsage)
  let sum = 0n
  for (const start of [bound.rseqStart, bound.fallbackStart]) {
    for (let slot = 0; slot < bound.slots; slot++) sum += Atomics.exchange(bound.words, start + slot * bound.strideWords + cell, 0n)
  }
  return sum
}

/** A layout from bind() or bindStoreCells(), or the addon's TypeError `usage`. */
function layoutOf(layout: unknown, usage: string): PortableLayout {
  if (typeof layout !== 'object' || layout === null || !layouts.has(layout)) throw new TypeError(usage)
  return layout as PortableLayout
}

/** A cell of `bound`, or the addon's TypeError `usage`. */
function cellIn(bound: PortableLayout, cell: unknown, usage: string): number {
  if (typeof cell !== 'number' || !Number.isInteger(cell) || cell < 0 || cell >= bound.width) throw new TypeError(usage)
  return cell
}

/**
 * The name a function made here gives in its errors, or the addon's TypeError `usage`. (The addon also refuses a
 * name longer than it keeps a copy of, native/binding/call_args.h; here the string itself is kept, and the
 * layer above passes its own short names.)
 */
function nameOf(name: unknown, usage: string): string {
  if (typeof name !== 'string') throw new TypeError(usage)
  return name
}

/** The addon's RangeError for a negative add to a counter that only goes up. */
function negative(name: string, value: bigint): RangeError {
  return new RangeError(name + USAGE.NegativeCount + String(value))
}

function checkOpen(bound: PortableLayout): void {
  if (bound.region !== null && bound.region.closed) throw new Error(USAGE.StoreClosed)
}

/** A store region from storeRegionOfBuffer(), or the addon's TypeError `usage`. */
function regionOf(region: unknown, usage: string): PortableRegion {
  if (typeof region !== 'object' || region === null || !regions.has(region)) throw new TypeError(usage)
  return region as PortableRegion
}

/** Handles serve native call paths; the portable path calls JavaScript (lib/binding/call-path.ts never asks). */
function noHandles(): never {
  throw new TypeError('cell handles: the portable path has none (it runs no native code)')
}

const NO_FILES = 'cannot be mapped: a host-wide store needs the native build, which this thread does not load'
/** After the addon's usage of a call on a mapped store's memory, which this path never has. */
const NO_MAPPED_STORE = ' (no mapped store on the portable path)'

/**
 * The portable binding. `reason` is what info().reason says; `loadProblem`, why the native build did not
 * load (null when RSEQ_STRATEGY=portable kept it from loading), is what a forced native strategy's error says.
 */
export function portableBinding(reason: string, loadProblem: string | null): NativeBinding {
  // The thread's number slot once bindNumberSlot() gave it; the functions that read it are made only after.
  const unbound: Float64Array = new Float64Array(1)
  let numberSlot = unbound
  const requireSlot = (unslotted: string): void => {
    if (numberSlot === unbound) throw new TypeError(unslotted)
  }

  function info(): Omit<RseqInfo, 'callPath' | 'callPathReason'> {
    return {
      strategy: 'portable',
      registered: false,
      reason,
      errno: null,
      arch: process.arch,
      signature: 0,
      glibc: null,
      featureSize: 0,
      mmCid: false,
      numaNode: false,
      fence: false,
      drain: 'exchange',
      registration: null,
      selfTest: { verdict: 'not-run', microseconds: 0, attempts: 0, detail: 'no native build is loaded, so no sequence runs' },
    }
  }

  return {
    attach(requested: StrategyRequest | string): AttachResult {
      if (requested === 'glibc' || requested === 'own' || requested === 'legacy') {
        throw new Error(`RSEQ_STRATEGY=${requested} needs the native build, which is not loaded: ${loadProblem ?? reason}`)
      }
      return { info: info(), cpuWindow: null, tailWindow: null }
    },
    getcpu: () => UNKNOWN,
    getNumaNode: () => UNKNOWN,
    liveOwnRegistrations: () => 0,
    registrationAnswer: () => null,
    auditDescriptors: () => ({ descriptors: 0, signatureMatches: 0, handlerOutside: 0, wellFormed: 0 }),
    kernelProbe: () => ({ syscall: 'not probed (no native build)', available: false, featureSize: 0, alignment: 0 }),
    glibcVersion: () => null,
    layoutFacts: () => PERCPU_LAYOUT_FACTS,
    usageStrings: () => USAGE,
    bind,
    add,
    addBigInt: add,
    bindNumberSlot(slot: Float64Array) {
      if (!(slot instanceof Float64Array) || slot.length !== 1) throw new TypeError(USAGE.BindNumberSlotUsage)
      numberSlot = slot
    },
    counterAddFunction(layout: NativeLayout, cell: number, argument: string, monotonic?: boolean) {
      const usage = USAGE.CounterAddFunctionUsage
      const bound = layoutOf(layout, usage)
      const at = bound.mine + cellIn(bound, cell, usage)
      const name = nameOf(argument, usage)
      return function add(n?: number | bigint): void {
        checkOpen(bound)
        const value = n === undefined ? 1n : BigInt(toInt64(n, name))
        if (monotonic === true && value < 0n) throw negative(name, value)
        Atomics.add(bound.words, at, value)
      }
    },
    counterAddSlotNumberFunction(layout: NativeLayout, cell: number, argument: string, monotonic?: boolean) {
      const usage = USAGE.CounterAddSlotNumberFunctionUsage
      const bound = layoutOf(layout, usage)
      const at = bound.mine + cellIn(bound, cell, usage)
      const name = nameOf(argument, usage)
      requireSlot(USAGE.CounterAddSlotNumberFunctionUnslotted)
      return function addSlotNumber(): void {
        checkOpen(bound)
        const value = BigInt(toInt64(numberSlot[0], name))
        if (monotonic === true && value < 0n) throw negative(name, value)
        Atomics.add(bound.words, at, value)
      }
    },
    histogramObserveFunction(layout: NativeLayout, tail: Float64Array, base: number, caller: string) {
      const usage = USAGE.HistogramObserveFunctionUsage
      const bound = layoutOf(layout, usage)
      requireSlot(USAGE.HistogramObserveFunctionUnslotted)
      const first = cellIn(bound, base, usage)
      if (!(tail instanceof Float64Array) || tail.length < 2 || first + tail.length + 1 > bound.width) throw new TypeError(usage)
      const rangeMessage = nameOf(caller, usage) + USAGE.ObserveOutOfRange
      const resolution = tail[0]
      const bounds = Float64Array.from(tail.subarray(1))
      const sumAt = bound.mine + first
      return function observeSlotNumber(): void {
        checkOpen(bound)
        const value = numberSlot[0]
        const units = Math.round(value / resolution)
        if (!Number.isSafeInteger(units)) throw new RangeError(rangeMessage + String(value))
        // The first bound >= value, as native/percpu/histogram_buckets.h finds it.
        let low = 0
        let high = bounds.length
        while (low < high) {
          const middle = (low + high) >>> 1
          if (value <= bounds[middle]) high = middle
          else low = middle + 1
        }
        Atomics.add(bound.words, sumAt + low + 1, 1n)
        if (units !== 0) Atomics.add(bound.words, sumAt, BigInt(units))
      }
    },
    max,
    maxBigInt: max,
    compareExchange,
    compareExchangeBigInt: compareExchange,
    drainCell,
    drainMode: () => 'exchange',
    threadAborts: () => 0,
    processAborts: () => 0,
    possibleCpus: () => possibleCpus,
    addWithForgedIndex() {
      throw new Error('addWithForgedIndex: the portable path runs no critical section')
    },
    counterHandle: noHandles,
    histogramHandle: noHandles,
    arrayHandle: noHandles,
    gaugeHandle: noHandles,
    releaseHandle: () => false,
    isCurrentBinding: () => false,
    storeRegionOfBuffer(view: BigInt64Array) {
      if (
        !(view instanceof BigInt64Array) ||
        view.byteOffset !== 0 ||
        view.byteLength !== view.buffer.byteLength ||
        !(view.buffer instanceof SharedArrayBuffer)
      ) {
        throw new TypeError(USAGE.StoreRegionOfBufferUsage)
      }
      const region: PortableRegion = { view, closed: false }
      regions.add(region)
      return region
    },
    storeOpenFile: () => ({ problem: `${NO_FILES} (${reason})` }),
    storeCreateFile: () => ({ problem: `${NO_FILES} (${reason})` }),
    storeNameFile() {
      throw new TypeError(USAGE.StoreNameFileUsage)
    },
    storeRemoveFile: () => ({ problem: `${NO_FILES} (${reason})`.replace('cannot be mapped', 'cannot be reached') }),
    storeRegionState: (region: object) => (regionOf(region, USAGE.StoreRegionStateUsage).closed ? 'closed' : 'open'),
    storeFileState() {
      throw new TypeError(USAGE.StoreFileStateUsage)
    },
    storeCloseRegion(region: object) {
      regionOf(region, USAGE.StoreCloseRegionUsage).closed = true
    },
    storeCompareExchange32() {
      throw new TypeError(USAGE.StoreCompareExchange32Usage + NO_MAPPED_STORE)
    },
    storeAddFloat64() {
      throw new TypeError(USAGE.StoreAddFloat64Usage + NO_MAPPED_STORE)
    },
    storeSetFloat64() {
      throw new TypeError(USAGE.StoreSetFloat64Usage + NO_MAPPED_STORE)
    },
    storeAcquireFence() {},
    storePageSize: () => UNKNOWN_PAGE_SIZE,
    bindStoreCells(
      region: object,
      rseqOffset: number,
      fallbackOffset: number,
      slots: number,
      stride: number,
      width: number,
      index: number,
    ) {
      const usage = USAGE.BindStoreCellsUsage
      const bound = regionOf(region, usage)
      const numbers = [rseqOffset, fallbackOffset, slots, stride, width, index]
      if (!numbers.every((number) => Number.isInteger(number) && number >= 0 && number <= 0xffffffff)) throw new TypeError(usage)
      const regionBytes = slots * stride
      const length = bound.view.byteLength
      if (
        slots === 0 ||
        width === 0 ||
        stride % SLOT_ALIGNMENT !== 0 ||
        stride < width * 8 ||
        index >= INDEX_KINDS ||
        rseqOffset % 8 !== 0 ||
        fallbackOffset % 8 !== 0 ||
        rseqOffset + regionBytes > length ||
        fallbackOffset + regionBytes > length ||
        (rseqOffset < fallbackOffset + regionBytes && fallbackOffset < rseqOffset + regionBytes)
      ) {
        throw new TypeError(usage)
      }
      return newLayout(bound.view, width, slots, stride / 8, rseqOffset / 8, fallbackOffset / 8, bound)
    },
    sumStoreCells(layout: NativeLayout, first: number, count: number, out: BigInt64Array) {
      const usage = USAGE.SumStoreCellsUsage
      const bound = layoutOf(layout, usage)
      if (
        !Number.isInteger(first) ||
        first < 0 ||
        first >= bound.width ||
        !Number.isInteger(count) ||
        count < 0 ||
        first + count > bound.width ||
        !(out instanceof BigInt64Array) ||
        out.length < count
      ) {
        throw new TypeError(usage)
      }
      out.fill(0n, 0, count)
      for (const start of [bound.rseqStart, bound.fallbackStart]) {
        for (let slot = 0; slot < bound.slots; slot++) {
          const cells = start + slot * bound.strideWords + first
          for (let at = 0; at < count; at++) out[at] += Atomics.load(bound.words, cells + at)
        }
      }
    },
    calibration: {
      emptyCall() {},
      schedGetcpu: () => UNKNOWN,
      getcpuSyscall: () => UNKNOWN,
    },
  }
}
