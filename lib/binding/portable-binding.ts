// The portable path: the addon's interface (lib/binding/binding-interface.ts) in plain JavaScript, for processes where
// no native build loads (macOS, Windows, musl without a local build, an architecture without sequences,
// `node --no-addons`, Deno without --allow-ffi) or RSEQ_STRATEGY=portable. It runs on the same buffers
// with the same layout (lib/layout/percpu-layout.ts), writing only the fallback slots with atomics as the native
// fallback does, and drains by atomic exchange: exact like every strategy, only slower. JavaScript cannot
// know its CPU, so each thread writes the slot of its worker threadId (spreading threads over slots) and
// the CPU, NUMA node and mm_cid read -1 ("unknown"). Validation and messages are the addon's.
import { threadId } from 'node:worker_threads'
import { toInt64 } from './integer-args'
import { HEADER_BYTES, HEADER_FIELDS, HeaderField } from '../layout/percpu-layout'
import type { AttachResult, NativeBinding, NativeLayout } from './binding-interface'
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

// The addon's messages for what the layer above never passes (native/binding/percpu_binding.cc and
// native/percpu/percpu_layout.cc): the same failure reads the same on both paths.
const INVALID = (call: string) => new TypeError(`${call}: invalid arguments`)

function bind(view: BigInt64Array): NativeLayout {
  if (view === undefined) throw new TypeError('bind(view): `view` is required')
  if (!(view instanceof BigInt64Array)) throw new TypeError('bind(view): `view` must be a BigInt64Array over the buffer')
  if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) {
    throw new TypeError('bind(view): `view` must be a BigInt64Array covering the whole buffer')
  }
  if (!(view.buffer instanceof SharedArrayBuffer)) throw new TypeError('bind(view): `view` must be over a SharedArrayBuffer')
  // The layer above validated the header (readGeometry); what addressing relies on is checked again here.
  if (view.byteLength < HEADER_BYTES) throw new TypeError('the buffer is smaller than a per-CPU buffer header')
  const header = new Uint32Array(view.buffer, 0, HEADER_FIELDS)
  const slots = header[HeaderField.Slots]
  const strideWords = header[HeaderField.Stride] / 8
  // Drains here exchange set 0 and the fallback slots: a buffer laid out for the fence or for snapshots is
  // another process's (or a thread's running the native addon with the fence), as the addon says too.
  if (header[HeaderField.RseqSets] !== 1 || header[HeaderField.Baseline] !== 0) {
    throw new TypeError("the buffer's drain layout was made for another process (or its header was changed)")
  }
  const fallbackStart = HEADER_WORDS + slots * strideWords
  if (!Number.isInteger(strideWords) || slots < 1 || (fallbackStart + slots * strideWords) * 8 > view.byteLength) {
    throw new TypeError("the buffer's width and stride do not fit together")
  }
  return newLayout(view, header[HeaderField.Width], slots, strideWords, HEADER_WORDS, fallbackStart, null)
}

/** The bound layout and the word of `cell` in this thread's slot, or the addon's TypeError for `call`. */
function cellOf(layout: NativeLayout, cell: number, call: string): [PortableLayout, number] {
  if (!layouts.has(layout)) throw INVALID(call)
  const bound = layout as PortableLayout
  if (!Number.isInteger(cell) || cell < 0 || cell >= bound.width) throw INVALID(call)
  return [bound, bound.mine + cell]
}

/** An int64 argument as the addon reads it: a safe-integer number, or a bigint that fits (lossless). */
function int64Of(value: unknown, call: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 63) return BigInt(value)
  if (typeof value === 'bigint' && BigInt.asIntN(64, value) === value) return value
  throw INVALID(call)
}

function add(layout: NativeLayout, cell: number, value: number | bigint): void {
  const [bound, at] = cellOf(layout, cell, '(layout, cell, value)')
  Atomics.add(bound.words, at, int64Of(value, '(layout, cell, value)'))
}

function max(layout: NativeLayout, cell: number, value: number | bigint): void {
  const [bound, at] = cellOf(layout, cell, '(layout, cell, value)')
  const wanted = int64Of(value, '(layout, cell, value)')
  for (;;) {
    const current = Atomics.load(bound.words, at)
    if (current >= wanted || Atomics.compareExchange(bound.words, at, current, wanted) === current) return
  }
}

function compareExchange(layout: NativeLayout, cell: number, expected: number | bigint, desired: number | bigint): number {
  const call = 'compareExchange(layout, cell, expected, desired)'
  const [bound, at] = cellOf(layout, cell, call)
  const want = int64Of(expected, call)
  const stored = Atomics.compareExchange(bound.words, at, want, int64Of(desired, call)) === want
  return stored ? bound.slot : COMPARE_FAILED
}

/** Every slot's cell, rseq set and fallback, exchanged for zero: no thread of this process runs sequences. */
function drainCell(layout: NativeLayout, cell: number): bigint {
  const [bound] = cellOf(layout, cell, 'drainCell(layout, cell)')
  if (!bound.drainable) throw new TypeError("drainCell(layout, cell): invalid arguments (a per-CPU buffer's layout and one of its cells)")
  let sum = 0n
  for (const start of [bound.rseqStart, bound.fallbackStart]) {
    for (let slot = 0; slot < bound.slots; slot++) sum += Atomics.exchange(bound.words, start + slot * bound.strideWords + cell, 0n)
  }
  return sum
}

function layoutOf(layout: NativeLayout, call: string): PortableLayout {
  if (!layouts.has(layout)) throw new TypeError(`${call}: \`layout\` must come from bind()`)
  return layout as PortableLayout
}

const COUNTER_ADD = 'PerCpuCounter.add(n): `n`'
const OBSERVE = 'PerCpuHistogram.observe(value)'
const OBSERVE_RANGE = ': `value` must be finite and within 9007199254740991 x resolution, got '
const CLOSED = "this series' MetricStore is closed (store.close() was called): open the store again"

/** An optional cell of `bound` (0 when absent), or the addon's TypeError `usage`. */
function optionalCell(cell: unknown, limit: number, usage: string): number {
  if (cell === undefined) return 0
  if (typeof cell !== 'number' || !Number.isInteger(cell) || cell < 0 || cell >= limit) throw new TypeError(usage)
  return cell
}

/** An optional name for errors (the addon takes at most 200 bytes), or `fallback`. */
function optionalName(name: unknown, fallback: string, usage: string): string {
  if (name === undefined) return fallback
  if (typeof name !== 'string' || name.length > 200) throw new TypeError(usage)
  return name
}

/** The addon's RangeError for a negative add to a counter that only goes up. */
function negative(name: string, value: bigint): RangeError {
  return new RangeError(`${name} must not be negative: a counter only goes up (a gauge goes both ways), got ${value}`)
}

function checkOpen(bound: PortableLayout): void {
  if (bound.region !== null && bound.region.closed) throw new Error(CLOSED)
}

function regionOf(region: unknown, call: string): PortableRegion {
  if (typeof region !== 'object' || region === null || !regions.has(region)) throw new TypeError(`${call}: \`region\` is required`)
  return region as PortableRegion
}

/** Handles serve native call paths; the portable path calls JavaScript (lib/binding/call-path.ts never asks). */
function noHandles(): never {
  throw new TypeError('cell handles: the portable path has none (it runs no native code)')
}

const NO_FILES = 'cannot be mapped: a host-wide store needs the native build, which this thread does not load'

/**
 * The portable binding. `reason` is what info().reason says; `loadProblem`, why the native build did not
 * load (null when RSEQ_STRATEGY=portable kept it from loading), is what a forced native strategy's error says.
 */
export function portableBinding(reason: string, loadProblem: string | null): NativeBinding {
  let numberSlot: Float64Array | null = null
  const slotNumber = (caller: string): number => {
    if (numberSlot === null) throw new TypeError(`${caller}: bindNumberSlot() first`)
    return numberSlot[0]
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
    bind,
    add,
    addBigInt: add,
    bindNumberSlot(slot: Float64Array) {
      if (!(slot instanceof Float64Array) || slot.length !== 1)
        throw new TypeError('bindNumberSlot(slot): `slot` must be a Float64Array of length 1')
      numberSlot = slot
    },
    counterAddFunction(layout: NativeLayout, cell?: number, argument?: string, monotonic?: boolean) {
      const usage =
        'counterAddFunction(layout, cell?, argument?, monotonic?): `layout` must come from bind() and `cell` be one of its cells'
      const bound = layoutOf(layout, usage)
      const at = bound.mine + optionalCell(cell, bound.width, usage)
      const name = optionalName(argument, COUNTER_ADD, usage)
      return function add(n?: number | bigint): void {
        checkOpen(bound)
        const value = n === undefined ? 1n : BigInt(toInt64(n, name))
        if (monotonic === true && value < 0n) throw negative(name, value)
        Atomics.add(bound.words, at, value)
      }
    },
    counterAddSlotNumberFunction(layout: NativeLayout, cell?: number, argument?: string, monotonic?: boolean) {
      const usage =
        'counterAddSlotNumberFunction(layout, cell?, argument?, monotonic?): `layout` must come from bind() and `cell` be one of its cells'
      const bound = layoutOf(layout, usage)
      const at = bound.mine + optionalCell(cell, bound.width, usage)
      const name = optionalName(argument, COUNTER_ADD, usage)
      slotNumber('counterAddSlotNumberFunction')
      return function addSlotNumber(): void {
        checkOpen(bound)
        const value = BigInt(toInt64(slotNumber('addSlotNumber'), name))
        if (monotonic === true && value < 0n) throw negative(name, value)
        Atomics.add(bound.words, at, value)
      }
    },
    histogramObserveFunction(layout: NativeLayout, tail: Float64Array, base?: number, caller?: string) {
      const usage =
        'histogramObserveFunction(layout, tail, base?, caller?): `layout` must come from bind(), `tail` be a Float64Array of the resolution and at least one bound, and its cells from `base` lie in the layout'
      if (!layouts.has(layout)) throw new TypeError(usage)
      const bound = layout as PortableLayout
      if (!(tail instanceof Float64Array) || tail.length < 2) throw new TypeError(usage)
      const first = optionalCell(base, bound.width, usage)
      if (first + tail.length + 1 > bound.width) throw new TypeError(usage)
      const rangeMessage = optionalName(caller, OBSERVE, usage) + OBSERVE_RANGE
      slotNumber('histogramObserveFunction')
      const resolution = tail[0]
      const bounds = Float64Array.from(tail.subarray(1))
      const sumAt = bound.mine + first
      return function observeSlotNumber(): void {
        checkOpen(bound)
        const value = slotNumber('observeSlotNumber')
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
    releaseHandle: () => false,
    storeRegionOfBuffer(view: BigInt64Array) {
      if (
        !(view instanceof BigInt64Array) ||
        view.byteOffset !== 0 ||
        view.byteLength !== view.buffer.byteLength ||
        !(view.buffer instanceof SharedArrayBuffer)
      ) {
        throw new TypeError('storeRegionOfBuffer(view): `view` must be a BigInt64Array over a whole SharedArrayBuffer')
      }
      const region: PortableRegion = { view, closed: false }
      regions.add(region)
      return region
    },
    storeOpenFile: () => ({ problem: `${NO_FILES} (${reason})` }),
    storeCreateFile: () => ({ problem: `${NO_FILES} (${reason})` }),
    storeNameFile() {
      throw new TypeError('storeNameFile(region, path): `region` must come from storeCreateFile() and not be named yet')
    },
    storeRemoveFile: () => ({ problem: `${NO_FILES} (${reason})`.replace('cannot be mapped', 'cannot be reached') }),
    storeRegionState: (region: object) => (regionOf(region, 'storeRegionState(region)').closed ? 'closed' : 'open'),
    storeFileState() {
      throw new TypeError("storeFileState(region, path): `region` must be a mapped store's")
    },
    storeCloseRegion(region: object) {
      regionOf(region, 'storeCloseRegion(region)').closed = true
    },
    storeCompareExchange32() {
      throw new TypeError(
        'storeCompareExchange32(region, byteOffset, expected, desired): invalid arguments (no mapped store on the portable path)',
      )
    },
    storeAddFloat64() {
      throw new TypeError('storeAddFloat64(region, byteOffset, value): invalid arguments (no mapped store on the portable path)')
    },
    storeSetFloat64() {
      throw new TypeError('storeSetFloat64(region, byteOffset, value): invalid arguments (no mapped store on the portable path)')
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
      const usage = 'bindStoreCells(region, rseqOffset, fallbackOffset, slots, stride, width, index): invalid arguments'
      const bound = regionOf(region, usage)
      const numbers = [rseqOffset, fallbackOffset, slots, stride, width, index]
      if (!numbers.every((number) => Number.isInteger(number) && number >= 0 && number <= 0xffffffff)) throw new TypeError(usage)
      const regionBytes = slots * stride
      const length = bound.view.byteLength
      if (
        slots === 0 ||
        width === 0 ||
        stride % 128 !== 0 ||
        stride < width * 8 ||
        index > 1 ||
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
      const usage = 'sumStoreCells(layout, first, count, out): invalid arguments'
      if (!layouts.has(layout)) throw new TypeError(usage)
      const bound = layout as PortableLayout
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
