// What a histogram is given, per-CPU or a store's: bucket bounds and the resolution of its exact sum,
// checked the same way for both, and the observe(value) bound to its cells.
import { native, type NativeLayout } from '../binding/chosen-binding'
import { fastCellFor, ffi, ffiRefusals, holdHandle } from '../binding/call-path'
import { numberSlot } from '../binding/number-slot'
import { ownProperties } from '../binding/own-properties'
import { MAX_WIDTH } from '../layout/percpu-layout'

export interface HistogramBucketOptions {
  /** Upper bounds of the buckets (a value v falls in the first with v <= bound), finite and increasing. */
  buckets: readonly number[]
  /**
   * The sum is kept exactly as an integer count of `resolution`: each value adds Math.round(v / resolution).
   * Default: defaultResolution(buckets), a millionth of the smallest bound's power of ten, between 1e-9 and 1
   * (1e-9 for buckets in seconds from 0.005 s, 1e-6 for [1, 5, 10], 1 for bounds from 1e6 on).
   */
  resolution?: number
}

/** The most bounds a histogram takes: its cells (sum, one per bound, one above them) must fit a per-CPU width. */
export const MAX_BOUNDS = MAX_WIDTH - 2

/** `options.buckets`, an own property, checked; errors start with `caller`. */
export function readBounds(options: unknown, caller: string): number[] {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${caller}: \`options\` must be an object with \`buckets\`, got ${options === null ? 'null' : typeof options}`)
  }
  const buckets = ownProperties(options as Partial<HistogramBucketOptions>).buckets
  if (!Array.isArray(buckets)) throw new TypeError(`${caller}: \`options.buckets\` must be an array of numbers`)
  if (buckets.length === 0 || buckets.length > MAX_BOUNDS) {
    throw new RangeError(`${caller}: \`options.buckets\` must hold 1 to ${MAX_BOUNDS} bounds, got ${buckets.length}`)
  }
  buckets.forEach((bound, at) => {
    if (typeof bound !== 'number') throw new TypeError(`${caller}: \`options.buckets[${at}]\` must be a number`)
    if (!Number.isFinite(bound)) throw new RangeError(`${caller}: \`options.buckets[${at}]\` must be finite, got ${bound}`)
    if (at > 0 && !(bound > buckets[at - 1])) {
      throw new RangeError(`${caller}: \`options.buckets\` must increase strictly; [${at}] is ${bound} after ${buckets[at - 1]}`)
    }
  })
  return [...buckets]
}

/** The finest and the coarsest resolution defaultResolution() gives. */
const FINEST_DEFAULT = 1e-9
const COARSEST_DEFAULT = 1

/**
 * The resolution a histogram of `bounds` gets when it is given none: six decimal digits below the power of ten
 * of its smallest bound that is not 0, as a power of ten from 1e-9 (a nanosecond, for buckets in seconds) to 1
 * (whole numbers stay whole). The sum then keeps far more than the buckets tell apart, and one value may be up
 * to 2^53 of it (104 days at 1e-9).
 */
export function defaultResolution(bounds: readonly number[]): number {
  const magnitudes = bounds.map(Math.abs).filter((magnitude) => magnitude > 0)
  if (magnitudes.length === 0) return 1e-6 // every bound is 0
  const exponent = Math.floor(Math.log10(Math.min(...magnitudes))) - 6
  // 10 ** -k is not the double nearest 10^-k for every k; 1 / 10 ** k is (10 ** k is exact up to 10^22).
  const resolution = exponent < 0 ? 1 / 10 ** -exponent : 10 ** exponent
  return Math.min(COARSEST_DEFAULT, Math.max(FINEST_DEFAULT, resolution))
}

/** `options.resolution` (default: defaultResolution(bounds)), an own property, checked; errors start with `caller`. */
export function readResolution(options: Partial<HistogramBucketOptions>, caller: string, bounds: readonly number[]): number {
  const resolution = ownProperties(options).resolution ?? defaultResolution(bounds)
  if (typeof resolution !== 'number') throw new TypeError(`${caller}: \`options.resolution\` must be a number`)
  if (!Number.isFinite(resolution) || resolution <= 0) {
    throw new RangeError(`${caller}: \`options.resolution\` must be a finite number above 0, got ${resolution}`)
  }
  return resolution
}

/**
 * A sum of `units` of `resolution` as a number: where the resolution is 1 / n for a whole n (1e-6, 1e-9, 0.25),
 * units / n, the double nearest the decimal sum (units * 1e-9 is often an ulp off it: 0.30000000000000004 for 0.3).
 */
export function sumOfUnits(units: bigint, resolution: number): number {
  const inverse = Math.round(1 / resolution)
  return inverse > 1 && 1 / inverse === resolution ? Number(units) / inverse : Number(units) * resolution
}

/** Whether stored bounds and resolution are ones readBounds and readResolution would take. */
export function validBuckets(bounds: readonly number[], resolution: number): boolean {
  return (
    bounds.length >= 1 &&
    bounds.length <= MAX_BOUNDS &&
    Number.isFinite(resolution) &&
    resolution > 0 &&
    bounds.every((bound, at) => Number.isFinite(bound) && (at === 0 || bound > bounds[at - 1]))
  )
}

/**
 * observe(value) over a histogram's cells in `layout` from `base` (the sum in units of `resolution`, then one
 * cell per bucket). The value goes through the thread's number slot and one native call places it and adds.
 * `caller` names the call in errors, e.g. "PerCpuHistogram.observe(value)".
 */
export function histogramObserveOf(
  layout: NativeLayout,
  bounds: readonly number[],
  resolution: number,
  base: number,
  caller: string,
): (value: number) => void {
  const tail = Float64Array.of(resolution, ...bounds)
  const observeSlotNumber = native.histogramObserveFunction(layout, tail, base, caller)
  const slot = numberSlot
  const notANumber = (value: unknown) => new TypeError(`${caller}: \`value\` must be a number, got ${typeof value}`)
  const fastCall = fastCellFor(() => native.histogramHandle(layout, tail, base, caller))
  if (fastCall !== null) {
    const fast = fastCall.cell
    return holdHandle((value: number): void => {
      if (typeof value !== 'number') throw notANumber(value)
      if (fast.histogramObserve(value) === 0) return
      ffiRefusals.count++
      slot[0] = value
      observeSlotNumber()
    }, fastCall.handle)
  }
  if (ffi !== null) {
    const handle = native.histogramHandle(layout, tail, base, caller)
    const histogramObserve = ffi.histogramObserve
    return holdHandle((value: number): void => {
      if (typeof value !== 'number') throw notANumber(value)
      if (histogramObserve(handle, value) === 0) return
      ffiRefusals.count++
      slot[0] = value
      observeSlotNumber()
    }, handle)
  }
  return (value: number): void => {
    if (typeof value !== 'number') throw notANumber(value)
    slot[0] = value
    observeSlotNumber()
  }
}
