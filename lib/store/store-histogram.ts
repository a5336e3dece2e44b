// A histogram of a MetricStore: labels() gives its series (lib/store/histogram-series.ts).
import type { HistogramSnapshot } from '../percpu/percpu-histogram'
import { HistogramSeries } from './histogram-series'
import type { StoreCore } from './store-core'
import type { MetricRecord, SeriesRecord } from './store-directory'
import { StoreMetric, type LabelValues } from './store-metric'

export class StoreHistogram extends StoreMetric<HistogramSeries> {
  readonly bounds: readonly number[]
  readonly resolution: number

  /** @internal */
  constructor(core: StoreCore, record: MetricRecord) {
    super(core, record)
    this.bounds = Object.freeze([...record.bounds])
    this.resolution = record.resolution
  }

  protected make(core: StoreCore, record: SeriesRecord): HistogramSeries {
    return new HistogramSeries(core, record)
  }

  observe(value: number, labels?: LabelValues): void {
    this.labels(labels).observe(value)
  }

  snapshot(labels?: LabelValues): HistogramSnapshot {
    return this.labels(labels).snapshot()
  }
}
