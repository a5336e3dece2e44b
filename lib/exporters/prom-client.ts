// rseq/prom-client: a MetricStore's metrics in prom-client registries (registerStore), and a PerCpuCounter
// as a prom-client Counter, a PerCpuHistogram as a prom-client Histogram. The per-CPU memory is the only
// store: workers and processes update it, and the registry reads it when it is scraped. No message passing,
// no per-worker registries to aggregate.
// prom-client is an optional peer dependency: install it to use this module.
import type * as PromClient from 'prom-client'
import type { MetricStore } from '../store/metric-store'
import { PerCpuCounter } from '../percpu/percpu-counter'
import { PerCpuHistogram } from '../percpu/percpu-histogram'
import { registerStoreWith, type RegistryLike, type StoreExport, type StoreExportOptions } from './prometheus-export'

export type { StoreExport, StoreExportOptions } from './prometheus-export'

function loadPromClient(): typeof PromClient {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- prom-client is an optional peer dependency: its absence is a message naming it, not a failed import
    return require('prom-client') as typeof PromClient
  } catch (error) {
    throw new Error(`rseq/prom-client needs the prom-client package (an optional peer dependency): npm install prom-client\n${error}`, {
      cause: error,
    })
  }
}

const prom = loadPromClient()

/**
 * Exports every metric of `store` (host-wide or in-process) through prom-client registries: prom-client's
 * default registry, or `options.registers`. Metrics made later, by any process, join at the next scrape.
 */
export function registerStore(store: MetricStore, options?: StoreExportOptions): StoreExport {
  const library = {
    name: 'prom-client',
    Registry: prom.Registry as unknown as new () => RegistryLike,
    register: prom.register as unknown as RegistryLike,
  }
  return registerStoreWith(library, store, options, 'registerStore(store, options)')
}

/** What both metrics take: prom-client's name, help and registries (no labels: one per-CPU object is one series). */
export interface PerCpuMetricConfiguration {
  name: string
  help: string
  /** Registries to join; prom-client's global registry when omitted. */
  registers?: PromClient.Registry[]
}

function checkConfiguration(
  configuration: unknown,
  caller: string,
  source: unknown,
  sourceType: string,
  kind: abstract new (...args: never[]) => object,
): void {
  if (configuration === null || typeof configuration !== 'object') {
    throw new TypeError(`${caller}: \`configuration\` must be an object with name and help`)
  }
  if (!(source instanceof kind)) throw new TypeError(`${caller}: \`${sourceType}\` must be a ${kind.name}`)
  if ('labelNames' in configuration && (configuration as { labelNames?: unknown[] }).labelNames?.length) {
    throw new TypeError(`${caller}: \`configuration.labelNames\` is not supported: use one per-CPU object per label set`)
  }
}

/**
 * A prom-client Counter whose value is the PerCpuCounter's sum at scrape time. inc() adds to the
 * per-CPU counter. Prometheus counters do not go down: a sum below zero is exported as 0.
 */
export class PerCpuCounterMetric extends prom.Counter {
  readonly counter: PerCpuCounter
  /** prom-client's own inc(), which writes its store: what a scrape loads the per-CPU sum with. */
  readonly #storeInc: (value: number) => void

  constructor(counter: PerCpuCounter, configuration: PerCpuMetricConfiguration) {
    checkConfiguration(configuration, 'new PerCpuCounterMetric(counter, configuration)', counter, 'counter', PerCpuCounter)
    super({
      name: configuration.name,
      help: configuration.help,
      registers: configuration.registers,
      // Runs on every scrape, before the value is read: load the per-CPU sum into prom-client's store.
      collect(this: PromClient.Counter) {
        const metric = this as PerCpuCounterMetric
        prom.Counter.prototype.reset.call(metric)
        const total = Number(metric.counter.bigValue())
        if (total > 0) metric.#storeInc.call(metric, total)
      },
    })
    this.counter = counter
    // prom-client 15's constructor sets inc as an own property; remove it so that the inc() below, which
    // adds to the per-CPU counter, is the one callers reach. Where a prom-client keeps inc on its
    // prototype only, its own is still Counter.prototype.inc: never this class's, so that a scrape can
    // never add to the per-CPU counter.
    const ownInc = Object.getOwnPropertyDescriptor(this, 'inc')?.value
    this.#storeInc = typeof ownInc === 'function' ? ownInc : prom.Counter.prototype.inc
    delete (this as { inc?: unknown }).inc
  }

  /** inc(value = 1): adds to the per-CPU counter (the calling thread's CPU). Labels are not supported. */
  override inc(...args: unknown[]): void {
    const value = args[0]
    if (args.length > 1 || (value !== undefined && typeof value !== 'number')) {
      throw new TypeError('PerCpuCounterMetric.inc(value): only a number is taken (labels and exemplars are not supported)')
    }
    if (value !== undefined && value < 0) throw new RangeError('PerCpuCounterMetric.inc(value): `value` must not be negative')
    this.counter.add(value ?? 1)
  }
}

interface HistogramSeries {
  name: string
  help: string
  type: 'histogram'
  values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }>
  aggregator: PromClient.Aggregator
}

/**
 * A prom-client Histogram whose buckets, sum and count are the PerCpuHistogram's at scrape time, with
 * its bounds. observe() observes into the per-CPU histogram.
 */
export class PerCpuHistogramMetric extends prom.Histogram {
  readonly histogram: PerCpuHistogram
  // Set by prom-client's constructor from the configuration; its typings do not declare them.
  declare readonly name: string
  declare readonly help: string

  constructor(histogram: PerCpuHistogram, configuration: PerCpuMetricConfiguration) {
    checkConfiguration(configuration, 'new PerCpuHistogramMetric(histogram, configuration)', histogram, 'histogram', PerCpuHistogram)
    super({
      name: configuration.name,
      help: configuration.help,
      registers: configuration.registers,
      buckets: [...histogram.bounds],
    })
    this.histogram = histogram
    // prom-client's constructor sets observe as an own property; remove it so that the observe() below,
    // which writes the per-CPU histogram, is the one callers reach.
    delete (this as { observe?: unknown }).observe
  }

  /** observe(value): observes into the per-CPU histogram. Labels are not supported. */
  override observe(...args: unknown[]): void {
    if (args.length !== 1 || typeof args[0] !== 'number') {
      throw new TypeError('PerCpuHistogramMetric.observe(value): only a number is taken (labels and exemplars are not supported)')
    }
    this.histogram.observe(args[0])
  }

  /** The series prom-client's Histogram exports (cumulative `_bucket`s up to `+Inf`, `_sum`, `_count`), from the per-CPU memory. */
  #series(): HistogramSeries {
    const snapshot = this.histogram.snapshot()
    const name = this.name
    const values: HistogramSeries['values'] = []
    let cumulative = 0n
    snapshot.bounds.forEach((bound, at) => {
      cumulative += snapshot.counts[at]
      values.push({ labels: { le: bound }, value: Number(cumulative), metricName: `${name}_bucket` })
    })
    const count = Number(snapshot.count)
    values.push({ labels: { le: '+Inf' }, value: count, metricName: `${name}_bucket` })
    values.push({ labels: {}, value: snapshot.sum, metricName: `${name}_sum` })
    values.push({ labels: {}, value: count, metricName: `${name}_count` })
    return { name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }

  override async get(): Promise<PromClient.MetricObjectWithValues<PromClient.MetricValueWithName<string>>> {
    return this.#series() as unknown as PromClient.MetricObjectWithValues<PromClient.MetricValueWithName<string>>
  }

  /** What prom-client's registry reads when rendering the text format; the same series. */
  async getForPromString(): Promise<HistogramSeries> {
    return this.#series()
  }
}
