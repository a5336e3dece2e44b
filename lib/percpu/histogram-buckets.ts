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
   * Default: defaultResolution(buckets), six digits below the smallest bound, from 1e-6 to 1 (1e-6 for buckets
   * in seconds or from 1, 1e-4 for [100, 1000], 1 for bounds from 1e6 on).
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

/** The finest and the coarsest resolution defaultResolution() gives, as powers of ten: 1e-6 and 1. */
const FINEST_DEFAULT_EXPONENT = -6
const COARSEST_DEFAULT_EXPONENT = 0
/** How many decimal digits below the smallest bound a default resolution keeps. */
const DIGITS_BELOW_SMALLEST_BOUND = 6
/** How far above the largest bound one observed value may be under a default resolution (2^53 units at most). */
const HEADROOM_ABOVE_LARGEST_BOUND = 1000

/** 10^exponent, the double nearest it (10 ** -k is not, for every k; 1 / 10 ** k is, 10 ** k being exact to 1e22). */
const powerOfTen = (exponent: number): number => (exponent < 0 ? 1 / 10 ** -exponent : 10 ** exponent)

/**
 * The resolution a histogram of `bounds` gets when it is given none: a power of ten six digits below its
 * smallest bound that is not 0 (by magnitude), from 1e-6 to 1 (whole numbers stay whole), coarser where a value
 * 1000 times the largest bound would be more than 2^53 of it; 1e-6 when every bound is 0. A sum in seconds keeps
 * microseconds, and its int64 cells take 9.2e12 s before they wrap.
 */
export function defaultResolution(bounds: readonly number[]): number {
  let smallest = Infinity
  let largest = 0
  for (const bound of bounds) {
    const magnitude = Math.abs(bound)
    if (magnitude > 0 && magnitude < smallest) smallest = magnitude
    if (magnitude > largest) largest = magnitude
  }
  if (smallest === Infinity) return powerOfTen(FINEST_DEFAULT_EXPONENT)
  let exponent = Math.min(
    COARSEST_DEFAULT_EXPONENT,
    Math.max(FINEST_DEFAULT_EXPONENT, Math.floor(Math.log10(smallest)) - DIGITS_BELOW_SMALLEST_BOUND),
  )
  while (exponent < COARSEST_DEFAULT_EXPONENT && (largest * HEADROOM_ABOVE_LARGEST_BOUND) / powerOfTen(exponent) > Number.MAX_SAFE_INTEGER)
    exponent++
  return powerOfTen(exponent)
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
 * A sum of `units` of `resolution` as a number. Where the resolution is 1 / n for a whole n (1e-6, 0.25), a division
 * by n: the double nearest the decimal sum while the units are a safe integer (below 2^53), within an ulp of it
 * beyond (units * 1e-6 is often an ulp off: 0.39999999999999997 for 0.4).
 */
export function sumOfUnits(units: bigint, resolution: number): number {
  const inverse = Math.round(1 / resolution)
  if (!(inverse > 1 && Number.isSafeInteger(inverse) && 1 / inverse === resolution)) return Number(units) * resolution
  return Number(units) / inverse
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
