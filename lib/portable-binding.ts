// The portable path: the addon's interface (lib/native-binding.ts) in plain JavaScript, for processes where
// no native build loads (macOS, Windows, musl without a local build, an architecture without sequences,
// `node --no-addons`, Deno without --allow-ffi) or RSEQ_STRATEGY=portable. It runs on the same buffers
// with the same layout (lib/percpu-layout.ts), writing only the fallback slots with atomics as the native
// fallback does, and drains by atomic exchange: exact like every strategy, only slower. JavaScript cannot
// know its CPU, so each thread writes the slot of its worker threadId (spreading threads over slots) and
// the CPU, NUMA node and mm_cid read -1 ("unknown"). Validation and messages are the addon's.
import { threadId } from 'node:worker_threads'
import { toInt64 } from './integers'
import { HEADER_BYTES, HEADER_FIELDS, HeaderField } from './percpu-header'
import type { AttachResult, NativeBinding, NativeLayout } from './native-binding'
import { readPossibleCpus } from './possible-cpus'
import type { StrategyRequest } from './strategy-request'
import type { RseqInfo } from './types'

/** What currentCpu(), currentNumaNode(), currentMmCid() and the calibration calls answer on this path. */
export const UNKNOWN = -1
const COMPARE_FAILED = -1
/** Where rseq set 0 starts, in words: right after the header. */
const HEADER_WORDS = HEADER_BYTES / 8

/** A bound buffer: its cells as BigInt64Array words and where this thread's fallback slot starts. */
interface PortableLayout {
  words: BigInt64Array
  width: number
  slots: number
  strideWords: number
  /** First word of cell 0 of the fallback slots. */
  fallbackStart: number
  /** The slot this thread writes, and its first word. */
  slot: number
  mine: number
}

const possibleCpus = readPossibleCpus()
// A worker's threadId is a non-negative integer in every runtime; anything else would address the header.
const slotOfThisThread = (Number.isSafeInteger(threadId) && threadId >= 0 ? threadId : 0) % possibleCpus
const layouts = new WeakSet<object>()

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
  const slot = slotOfThisThread % slots
  const layout: PortableLayout = {
    words: view,
    width: header[HeaderField.Width],
    slots,
    strideWords,
    fallbackStart,
    slot,
    mine: fallbackStart + slot * strideWords,
  }
  layouts.add(layout)
  return layout
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
  let sum = 0n
  for (const start of [HEADER_WORDS, bound.fallbackStart]) {
    for (let slot = 0; slot < bound.slots; slot++) sum += Atomics.exchange(bound.words, start + slot * bound.strideWords + cell, 0n)
  }
  return sum
}

function layoutOf(layout: NativeLayout, call: string): PortableLayout {
  if (!layouts.has(layout)) throw new TypeError(`${call}: \`layout\` must come from bind()`)
  return layout as PortableLayout
}

const COUNTER_ADD = 'PerCpuCounter.add(n): `n`'
const OBSERVE_RANGE = 'PerCpuHistogram.observe(value): `value` must be finite and within 9007199254740991 x resolution, got '

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

  function info(): RseqInfo {
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
      if (!(slot instanceof Float64Array) || slot.length !== 1) throw new TypeError('bindNumberSlot(slot): `slot` must be a Float64Array of length 1')
      numberSlot = slot
    },
    counterAddFunction(layout: NativeLayout) {
      const bound = layoutOf(layout, 'counterAddFunction(layout)')
      return function add(n?: number | bigint): void {
        const value = n === undefined ? 1n : BigInt(toInt64(n, COUNTER_ADD))
        Atomics.add(bound.words, bound.mine, value)
      }
    },
    counterAddSlotNumberFunction(layout: NativeLayout) {
      const bound = layoutOf(layout, 'counterAddSlotNumberFunction(layout)')
      slotNumber('counterAddSlotNumberFunction')
      return function addSlotNumber(): void {
        Atomics.add(bound.words, bound.mine, BigInt(toInt64(slotNumber('addSlotNumber'), COUNTER_ADD)))
      }
    },
    histogramObserveFunction(layout: NativeLayout, tail: Float64Array) {
      const usage = 'histogramObserveFunction(layout, tail): `layout` must come from bind() of a histogram and `tail` be a Float64Array of its resolution and bounds'
      if (!layouts.has(layout)) throw new TypeError(usage)
      const bound = layout as PortableLayout
      if (bound.width < 3 || !(tail instanceof Float64Array) || tail.length !== bound.width - 1) throw new TypeError(usage)
      slotNumber('histogramObserveFunction')
      const resolution = tail[0]
      const bounds = Float64Array.from(tail.subarray(1))
      return function observeSlotNumber(): void {
        const value = slotNumber('observeSlotNumber')
        const units = Math.round(value / resolution)
        if (!Number.isSafeInteger(units)) throw new RangeError(OBSERVE_RANGE + String(value))
        // The first bound >= value, as native/percpu/histogram_buckets.h finds it.
        let low = 0
        let high = bounds.length
        while (low < high) {
          const middle = (low + high) >>> 1
          if (value <= bounds[middle]) high = middle
          else low = middle + 1
        }
        Atomics.add(bound.words, bound.mine + low + 1, 1n)
        if (units !== 0) Atomics.add(bound.words, bound.mine, BigInt(units))
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
    calibration: {
      emptyCall() {},
      schedGetcpu: () => UNKNOWN,
      getcpuSyscall: () => UNKNOWN,
    },
  }
}
