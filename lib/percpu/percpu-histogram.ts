// A histogram with fixed bucket bounds in per-CPU memory: observe() adds to the calling CPU's cells,
// snapshot() merges every CPU's.
//
// Cells per CPU: 0 holds the sum of the observed values in units of `resolution`; 1 + i holds how many
// observations fell in bucket i (value <= bounds[i], above bounds[i - 1]); the last holds those above every
// bound. The count is the sum of the buckets, so it needs no cell of its own and can never disagree with
// them. The bounds and the resolution live at the end of the buffer, so from() needs nothing else.
//
// Why every observation is counted exactly once. In a restartable sequence only the final store commits;
// a store before it would be made again when the kernel restarts the sequence, so it would have to be
// idempotent (store the same value again, where nobody can act on the first one in between).
// observe() has no such store: it is two sequences, "bucket += 1" and "sum += units", each of them a load,
// an add and a single committing store. An abort before a commit stores nothing and the sequence runs
// again from its load; an abort after it cannot happen (the commit is the last instruction). The two may
// run on different CPUs if the thread migrates in between, which only moves which slot holds what:
// snapshot() adds all slots. What a snapshot taken during an observe() can see is the bucket without the
// sum (never half of either): each is exact once the observe() has returned.
import { histogramObserveOf, readBounds, readResolution, sumOfUnits, validBuckets, type HistogramBucketOptions } from './histogram-buckets'
import { cellsOf, PerCpuCells } from './percpu-cells'
import { readIndexOption, type PerCpuOptions } from './percpu-options'

export interface PerCpuHistogramOptions extends PerCpuOptions, HistogramBucketOptions {}

export interface HistogramSnapshot {
  /** The bucket bounds, ascending. */
  bounds: number[]
  /** Observations per bucket: one entry per bound, then one for values above every bound. Not cumulative. */
  counts: bigint[]
  /** Every observation: the sum of `counts`. */
  count: bigint
  /** The exact sum, as a count of `resolution`. */
  sumUnits: bigint
  /** sumUnits * resolution, as a number (the double nearest it where the resolution is 1 / n: sumOfUnits). */
  sum: number
}

const CALLER = 'new PerCpuHistogram(options)'
let attaching: { cells: PerCpuCells; bounds: number[]; resolution: number } | undefined

/** Where the bounds and resolution sit: the last (1 + bounds) float64s of the buffer. */
function tailOf(buffer: SharedArrayBuffer, boundCount: number): Float64Array {
  return new Float64Array(buffer, buffer.byteLength - 8 * (boundCount + 1), boundCount + 1)
}

function readTail(cells: PerCpuCells): { bounds: number[]; resolution: number } {
  const fail = (problem: string): never => {
    throw new TypeError(`PerCpuHistogram.from(buffer): \`buffer\` ${problem}`)
  }
  const boundCount = cells.geometry.width - 2
  if (boundCount < 1 || cells.geometry.tailBytes !== 8 * (boundCount + 1)) return fail('does not hold histogram bounds')
  const tail = tailOf(cells.buffer, boundCount)
  const resolution = tail[0]
  const bounds = Array.from(tail.subarray(1))
  if (!validBuckets(bounds, resolution)) return fail('holds an invalid resolution, or bounds that are not finite and increasing')
  return { bounds, resolution }
}

export class PerCpuHistogram {
  /** The shared memory: hand it to a worker and call PerCpuHistogram.from() there. */
  readonly buffer: SharedArrayBuffer
  /** The bucket bounds, ascending. */
  readonly bounds: readonly number[]
  readonly resolution: number
  readonly #cells: PerCpuCells

  /**
   * Counts `value` in its bucket (the first bound >= value; past the last, the bucket above every bound)
   * and adds Math.round(value / resolution) to the sum, on the calling CPU. TypeError when `value` is not
   * a number; RangeError for NaN, infinities, and values whose count of `resolution` is not a safe integer.
   *
   * Each histogram has its own native function holding a copy of its bounds: the value goes through the
   * thread's number slot and one call places it and adds. It is an own property: `const observe =
   * h.observe` works unbound too.
   */
  declare readonly observe: (value: number) => void

  constructor(options: PerCpuHistogramOptions) {
    let made = attaching
    attaching = undefined
    if (made === undefined) {
      const bounds = readBounds(options, CALLER)
      const resolution = readResolution(options, CALLER, bounds)
      const cells = PerCpuCells.create('histogram', bounds.length + 2, readIndexOption(options, CALLER), 8 * (bounds.length + 1))
      const tail = tailOf(cells.buffer, bounds.length)
      tail[0] = resolution
      tail.set(bounds, 1)
      made = { cells, bounds, resolution }
    }
    this.#cells = made.cells
    this.buffer = made.cells.buffer
    this.bounds = Object.freeze(made.bounds)
    this.resolution = made.resolution
    const observe = histogramObserveOf(made.cells.layout, made.bounds, made.resolution, 0, 'PerCpuHistogram.observe(value)')
    Object.defineProperty(this, 'observe', { value: observe, enumerable: false })
    cellsOf.set(this, made.cells)
  }

  /** Attaches to the buffer of a histogram made elsewhere (typically in another worker). */
  static from(buffer: SharedArrayBuffer): PerCpuHistogram {
    const cells = PerCpuCells.attach(buffer, 'histogram', 'PerCpuHistogram.from(buffer)')
    attaching = { cells, ...readTail(cells) }
    return new PerCpuHistogram(undefined as unknown as PerCpuHistogramOptions)
  }

  /** Every CPU's cells merged. */
  snapshot(): HistogramSnapshot {
    const cells = this.#cells
    const counts = Array.from({ length: this.bounds.length + 1 }, (_, bucket) => cells.sum(bucket + 1))
    const sumUnits = cells.sum(0)
    return {
      bounds: [...this.bounds],
      counts,
      count: counts.reduce((total, count) => total + count, 0n),
      sumUnits,
      sum: sumOfUnits(sumUnits, this.resolution),
    }
  }

  /** Zeroes every bucket and the sum. Not exact against concurrent observe() calls: use it between phases. */
  reset(): void {
    this.#cells.reset()
  }
}
