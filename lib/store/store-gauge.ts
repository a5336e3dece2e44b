// A gauge of a MetricStore: labels() gives its series (lib/store/gauge-series.ts).
import { GaugeSeries } from './gauge-series'
import type { StoreCore } from './store-core'
import type { SeriesRecord } from './store-directory'
import { StoreMetric, type LabelValues } from './store-metric'

export class StoreGauge extends StoreMetric<GaugeSeries> {
  protected make(core: StoreCore, record: SeriesRecord): GaugeSeries {
    return new GaugeSeries(core, record)
  }

  set(value: number, labels?: LabelValues): void {
    this.labels(labels).set(value)
  }

  inc(amount?: number, labels?: LabelValues): void {
    this.labels(labels).inc(amount)
  }

  dec(amount?: number, labels?: LabelValues): void {
    this.labels(labels).dec(amount)
  }

  value(labels?: LabelValues): number {
    return this.labels(labels).value()
  }
}
