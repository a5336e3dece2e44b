// rseq/opentelemetry: a MetricStore as an OpenTelemetry MetricProducer. The JS SDK takes data it did not
// record itself through producers given to a MetricReader (`metricProducers`), and it has no asynchronous
// histogram instrument, so this is how a store's histograms reach OpenTelemetry at all. Every collection
// reads the store whole: counters become monotonic cumulative sums, gauges gauges, histograms
// explicit-bucket histograms with their exact sum and count; every series counts from the store's creation.
// @opentelemetry/sdk-metrics (2.x or 3.x) and @opentelemetry/api are optional peer dependencies.
import type { CollectionResult, MetricCollectOptions, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics'
import type { HrTime } from '@opentelemetry/api'
import * as path from 'node:path'
import { MetricStore, type CollectedMetric } from '../store/metric-store'
import { ownProperties } from '../binding/own-properties'

function load<T>(name: string, besides?: string): T {
  try {
    // A dependency of the SDK is looked for beside the SDK too, where npm may have put it.
    const paths = besides === undefined ? undefined : [path.dirname(require.resolve(besides))]
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer dependency, resolved at run time beside the caller's copy of the SDK
    return require(
      require.resolve(name, paths === undefined ? undefined : { paths: [...paths, ...(require.resolve.paths(name) ?? [])] }),
    ) as T
  } catch (error) {
    throw new Error(`rseq/opentelemetry needs the ${name} package (an optional peer dependency): npm install ${name}\n${error}`, {
      cause: error,
    })
  }
}

const sdk = load<typeof import('@opentelemetry/sdk-metrics')>('@opentelemetry/sdk-metrics')
const api = load<typeof import('@opentelemetry/api')>('@opentelemetry/api')
// The resource of a producer's result is ignored by the SDK's readers (they use their MeterProvider's);
// an empty one keeps the result well formed.
const resources = load<typeof import('@opentelemetry/resources')>('@opentelemetry/resources', '@opentelemetry/sdk-metrics')
// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir: read at run time, not compiled in
const VERSION: string = require('../../package.json').version

export interface StoreMetricProducerOptions {
  /** The instrumentation scope the store's metrics come under; default { name: 'rseq', version: this package's }. */
  scope?: { name: string; version?: string; schemaUrl?: string }
}

function hrTime(milliseconds: number): HrTime {
  const seconds = Math.floor(milliseconds / 1000)
  return [seconds, Math.round((milliseconds - seconds * 1000) * 1e6)]
}

function metricData(metric: CollectedMetric, startTime: HrTime, endTime: HrTime): MetricData {
  const descriptor = {
    name: metric.name,
    description: metric.help,
    unit: '',
    valueType: metric.kind === 'counter' ? api.ValueType.INT : api.ValueType.DOUBLE,
  }
  const aggregationTemporality = sdk.AggregationTemporality.CUMULATIVE
  if (metric.kind === 'counter') {
    return {
      descriptor,
      aggregationTemporality,
      dataPointType: sdk.DataPointType.SUM,
      isMonotonic: true,
      dataPoints: metric.series.map(({ labels, value }) => ({ startTime, endTime, attributes: labels, value: Number(value) })),
    }
  }
  if (metric.kind === 'gauge') {
    return {
      descriptor,
      aggregationTemporality,
      dataPointType: sdk.DataPointType.GAUGE,
      dataPoints: metric.series.map(({ labels, value }) => ({ startTime, endTime, attributes: labels, value })),
    }
  }
  return {
    descriptor,
    aggregationTemporality,
    dataPointType: sdk.DataPointType.HISTOGRAM,
    dataPoints: metric.series.map(({ labels, counts, count, sum }) => ({
      startTime,
      endTime,
      attributes: labels,
      // Per-bucket counts, one more than the bounds (the last is above every bound), as the SDK's own.
      value: { buckets: { boundaries: [...metric.bounds], counts: counts.map(Number) }, count: Number(count), sum },
    })),
  }
}

/**
 * A MetricProducer over a MetricStore (host-wide or in-process): give it to a MetricReader's
 * `metricProducers`. collect() never rejects: a store that cannot be read (closed, its file removed or
 * truncated, corrupted) gives no metrics and the error in `errors`, which the SDK reports.
 */
export class StoreMetricProducer implements MetricProducer {
  readonly store: MetricStore
  readonly #scope: { name: string; version?: string; schemaUrl?: string }

  constructor(store: MetricStore, options?: StoreMetricProducerOptions) {
    const caller = 'new StoreMetricProducer(store, options)'
    if (!(store instanceof MetricStore)) throw new TypeError(`${caller}: \`store\` must be a MetricStore`)
    // Options are read as own properties, the scope's too.
    const given = ownProperties(options ?? {}).scope ?? { name: 'rseq', version: VERSION }
    const scope = given !== null && typeof given === 'object' ? { ...given } : undefined
    if (scope === undefined || typeof scope.name !== 'string' || scope.name === '') {
      throw new TypeError(`${caller}: \`options.scope\` must be an object with a non-empty \`name\``)
    }
    this.store = store
    this.#scope = scope
  }

  async collect(_options?: MetricCollectOptions): Promise<CollectionResult> {
    const resource = resources.emptyResource()
    try {
      const endTime = hrTime(Date.now())
      const startTime = hrTime(this.store.createdAt)
      const metrics = this.store.collect().map((metric) => metricData(metric, startTime, endTime))
      return { resourceMetrics: { resource, scopeMetrics: [{ scope: this.#scope, metrics }] }, errors: [] }
    } catch (error) {
      return { resourceMetrics: { resource, scopeMetrics: [] }, errors: [error] }
    }
  }
}
