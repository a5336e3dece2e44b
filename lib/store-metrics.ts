// The metrics of a MetricStore and their series. A metric has a name, a kind, label names and (histograms)
// buckets; each set of label values is one series with cells of its own in every CPU's slot. labels()
// finds or makes a series and caches its handle, whose add()/observe() is the per-CPU one, bound to the
// series' cells once: cache the handle and the hot path is what PerCpuCounter.add() costs.
import { counterAddOf } from './counter-add'
import { histogramObserveOf } from './histogram-buckets'
import type { HistogramSnapshot } from './percpu-histogram'
import { wellFormed, type MetricRecord, type SeriesRecord } from './store-directory'
import type { StoreCore } from './store-core'

/** Label values by label name: strings, or numbers (taken as their String()); own properties of a plain object. */
export type LabelValues = Readonly<Record<string, string | number>>

const MAP_GIVEN = '`values` must be a plain object of label values by label name, not a Map: pass Object.fromEntries(map)'

/** The value of label `name`: an own property of `values`; a label value it only inherits is refused, saying so. */
function ownLabelValue(values: LabelValues, name: string, caller: string): unknown {
  if (Object.hasOwn(values, name)) return values[name]
  const inherited: unknown = values[name]
  if (typeof inherited === 'string' || typeof inherited === 'number') {
    throw new TypeError(`${caller}: label ${name} is inherited by \`values\` through its prototype, not one of its own properties: only own properties are label values`)
  }
  return undefined
}

function isSafe(total: bigint): boolean {
  return total <= BigInt(Number.MAX_SAFE_INTEGER) && total >= BigInt(Number.MIN_SAFE_INTEGER)
}

/** One counter series: an int64 per CPU, summed exactly. */
export class CounterSeries {
  readonly labels: Readonly<Record<string, string>>
  /**
   * Adds `n` (default 1), a non-negative integer number or bigint within int64, on the calling CPU: a counter
   * only goes up (Prometheus's rule; a gauge goes both ways). An own property: `const add = series.add` works.
   */
  declare readonly add: (n?: number | bigint) => void
  readonly #core: StoreCore
  readonly #cell: number

  /** @internal */
  constructor(core: StoreCore, record: SeriesRecord) {
    this.#core = core
    this.#cell = record.firstCell
    this.labels = record.labels
    Object.defineProperty(this, 'add', { value: counterAddOf(core.layout, record.firstCell, 'CounterSeries.add(n): `n`', true), enumerable: false })
  }

  /** The exact total over every CPU and process; RangeError beyond Number.MAX_SAFE_INTEGER (use bigValue()). */
  value(): number {
    const total = this.bigValue()
    if (!isSafe(total)) throw new RangeError(`CounterSeries.value(): the total ${total} is beyond Number.MAX_SAFE_INTEGER; use bigValue()`)
    return Number(total)
  }

  bigValue(): bigint {
    return this.#core.sumCell('CounterSeries.value()', this.#cell)
  }
}

/**
 * One gauge series: one float64 for the whole store (every thread and process), not per CPU. set() replaces
 * it; inc() and dec() change it atomically, so concurrent changes from anywhere all count.
 */
export class GaugeSeries {
  readonly labels: Readonly<Record<string, string>>
  readonly #core: StoreCore
  readonly #byteOffset: number

  /** @internal */
  constructor(core: StoreCore, record: SeriesRecord) {
    this.#core = core
    this.#byteOffset = core.gaugeByteOffset(record.firstCell)
    this.labels = record.labels
  }

  set(value: number): void {
    this.#core.words('GaugeSeries.set(value)').setFloat64(this.#byteOffset, finite(value, 'GaugeSeries.set(value): `value`'))
  }

  inc(amount = 1): void {
    this.#core.words('GaugeSeries.inc(amount)').addFloat64(this.#byteOffset, finite(amount, 'GaugeSeries.inc(amount): `amount`'))
  }

  dec(amount = 1): void {
    this.#core.words('GaugeSeries.dec(amount)').addFloat64(this.#byteOffset, -finite(amount, 'GaugeSeries.dec(amount): `amount`'))
  }

  value(): number {
    return this.#core.words('GaugeSeries.value()').loadFloat64(this.#byteOffset)
  }
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`)
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`)
  return value
}

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
  return { bounds: [...metric.bounds], counts, count, sumUnits, sum: Number(sumUnits) * metric.resolution }
}

type AnySeries = CounterSeries | GaugeSeries | HistogramSeries

/** What every metric shares: its definition and the cache of its series by label values. */
abstract class StoreMetric<Series extends AnySeries> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
  readonly #core: StoreCore
  readonly #record: MetricRecord
  /** Nested maps, one level per label, the last holding series; or the only series of a metric without labels. */
  readonly #root = new Map<string, unknown>()
  #only: Series | undefined

  /** @internal */
  constructor(core: StoreCore, record: MetricRecord) {
    this.#core = core
    this.#record = record
    this.name = record.name
    this.help = record.help
    this.labelNames = Object.freeze([...record.labelNames])
  }

  protected abstract make(core: StoreCore, record: SeriesRecord): Series

  /**
   * The series of these label values (every label name, no other: own properties of `values`), made in the
   * store if it has none yet. Cache what it returns: its methods are the hot path.
   */
  labels(values?: LabelValues): Series {
    const names = this.#record.labelNames
    if (names.length === 0) {
      if (values !== undefined && (values === null || typeof values !== 'object' || Object.keys(values).length > 0 || values instanceof Map)) {
        throw new TypeError(`${this.name}.labels(values): ${values instanceof Map ? MAP_GIVEN : `${this.name} has no labels; pass nothing or {}`}`)
      }
      return (this.#only ??= this.#series([]))
    }
    if (values === null || typeof values !== 'object') {
      throw new TypeError(`${this.name}.labels(values): \`values\` must be an object with the labels ${names.join(', ')}`)
    }
    // Own keys only, as many as the labels; when they come in the labels' order they are the labels, and
    // each label's own property need not be looked up again.
    let given = 0
    let inOrder = true
    for (const key in values) {
      if (!Object.prototype.hasOwnProperty.call(values, key)) continue
      if (key !== names[given]) inOrder = false
      given++
    }
    if (given !== names.length) return this.#checked(values)
    let node = this.#root
    for (let at = 0; at < names.length; at++) {
      const name = names[at]
      const value = inOrder || Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined
      const key = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
      if (key === undefined) return this.#checked(values)
      const next = node.get(key)
      if (next === undefined) return this.#checked(values)
      if (at === names.length - 1) return next as Series
      node = next as Map<string, unknown>
    }
    return this.#checked(values)
  }

  /** The slow path of labels(): every value checked with a message naming the label, then found or made. */
  #checked(values: LabelValues): Series {
    const names = this.#record.labelNames
    const caller = `${this.name}.labels(values)`
    if (values instanceof Map) throw new TypeError(`${caller}: ${MAP_GIVEN}`)
    for (const key of Object.keys(values)) {
      if (!names.includes(key)) throw new TypeError(`${caller}: ${key} is not a label of ${this.name}; its labels are ${names.join(', ')}`)
    }
    const texts = names.map((name) => {
      const value = ownLabelValue(values, name, caller)
      if (typeof value === 'string') {
        if (!wellFormed(value)) throw new TypeError(`${caller}: label ${name} holds a lone surrogate, which no exporter can carry as it is`)
        return value
      }
      if (typeof value === 'number') return String(value)
      throw new TypeError(`${caller}: label ${name} must be a string or a number, got ${value === undefined ? 'nothing' : typeof value}`)
    })
    let node = this.#root
    texts.slice(0, -1).forEach((text) => {
      let next = node.get(text) as Map<string, unknown> | undefined
      if (next === undefined) node.set(text, (next = new Map()))
      node = next
    })
    const last = texts[texts.length - 1]
    let series = node.get(last) as Series | undefined
    if (series === undefined) node.set(last, (series = this.#series(texts)))
    return series
  }

  #series(values: string[]): Series {
    return this.make(this.#core, this.#core.series(`${this.name}.labels(values)`, this.#record, values))
  }
}

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
