// One histogram series of a MetricStore: per-CPU bucket counts and an exact sum, its observe() bound to its
// cells once (lib/percpu/histogram-buckets.ts).
import { histogramObserveOf, sumOfUnits } from '../percpu/histogram-buckets'
import type { HistogramSnapshot } from '../percpu/percpu-histogram'
import type { StoreCore } from './store-core'
import type { MetricRecord, SeriesRecord } from './store-directory'

/** One histogram series: per-CPU bucket counts and an exact sum in units of the metric's resolution. */
export class HistogramSeries {
  readonly labels: Readonly<Record<string, string>>
  /** Counts `value` in its bucket and adds it to the sum, on the calling CPU. An own property. */
  declare readonly observe: (value: number) => void
  readonly #core: StoreCore
  readonly #record: SeriesRecord

  /** @internal */
  constructor(core: StoreCore, record: SeriesRecord) {
    this.#core = core
    this.#record = record
    this.labels = record.labels
    const { bounds, resolution } = record.metric
    Object.defineProperty(this, 'observe', {
      value: histogramObserveOf(core.layout, bounds, resolution, record.firstCell, 'HistogramSeries.observe(value)'),
      enumerable: false,
    })
  }

  /** Every CPU's and process's cells merged. */
  snapshot(): HistogramSnapshot {
    const { metric, firstCell } = this.#record
    return snapshotOf(metric, this.#core.sumCells('HistogramSeries.snapshot()', firstCell, metric.cellsPerSeries), 0)
  }
}

/** A histogram snapshot from its cells' totals at `at` in `sums` (the sum, then one per bucket). */
export function snapshotOf(metric: MetricRecord, sums: BigInt64Array, at: number): HistogramSnapshot {
  const buckets = metric.bounds.length + 1
  const counts: bigint[] = new Array(buckets)
  let count = 0n
  for (let bucket = 0; bucket < buckets; bucket++) count += counts[bucket] = sums[at + 1 + bucket]
  const sumUnits = sums[at]
  return { bounds: [...metric.bounds], counts, count, sumUnits, sum: sumOfUnits(sumUnits, metric.resolution) }
}
