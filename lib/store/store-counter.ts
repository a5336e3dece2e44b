// A counter of a MetricStore: labels() gives its series (lib/store/counter-series.ts).
import { CounterSeries } from './counter-series'
import type { StoreCore } from './store-core'
import type { SeriesRecord } from './store-directory'
import { StoreMetric, type LabelValues } from './store-metric'

export class StoreCounter extends StoreMetric<CounterSeries> {
  protected make(core: StoreCore, record: SeriesRecord): CounterSeries {
    return new CounterSeries(core, record)
  }

  /** labels(labels).add(n): looks the series up on every call; cache labels(...) on hot paths. */
  add(n?: number | bigint, labels?: LabelValues): void {
    this.labels(labels).add(n)
  }

  value(labels?: LabelValues): number {
    return this.labels(labels).value()
  }

  bigValue(labels?: LabelValues): bigint {
    return this.labels(labels).bigValue()
  }
}
