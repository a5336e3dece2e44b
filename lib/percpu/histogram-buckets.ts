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
   * The sum is kept exactly as an integer count of `resolution` (default 1): each value adds
   * Math.round(v / resolution). For seconds measured to the microsecond, 1e-6.
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

/** `options.resolution` (default 1), an own property, checked; errors start with `caller`. */
export function readResolution(options: Partial<HistogramBucketOptions>, caller: string): number {
  const resolution = ownProperties(options).resolution ?? 1
  if (typeof resolution !== 'number') throw new TypeError(`${caller}: \`options.resolution\` must be a number`)
  if (!Number.isFinite(resolution) || resolution <= 0) {
    throw new RangeError(`${caller}: \`options.resolution\` must be a finite number above 0, got ${resolution}`)
  }
  return resolution
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
