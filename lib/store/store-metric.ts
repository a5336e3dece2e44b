// What every metric of a MetricStore shares: a name, a kind, label names and (histograms) buckets; each set
// of label values is one series with cells of its own in every CPU's slot. labels() finds or makes a series
// and caches its handle: cache the handle, and the hot path is the per-CPU one.
import type { CounterSeries } from './counter-series'
import type { GaugeSeries } from './gauge-series'
import type { HistogramSeries } from './histogram-series'
import type { StoreCore } from './store-core'
import { wellFormed, type MetricRecord, type SeriesRecord } from './store-directory'

/** Label values by label name: strings, or numbers (taken as their String()); own properties of a plain object. */
export type LabelValues = Readonly<Record<string, string | number>>

const MAP_GIVEN = '`values` must be a plain object of label values by label name, not a Map: pass Object.fromEntries(map)'

/** The value of label `name`: an own property of `values`; a label value it only inherits is refused, saying so. */
function ownLabelValue(values: LabelValues, name: string, caller: string): unknown {
  if (Object.hasOwn(values, name)) return values[name]
  const inherited: unknown = values[name]
  if (typeof inherited === 'string' || typeof inherited === 'number') {
    throw new TypeError(
      `${caller}: label ${name} is inherited by \`values\` through its prototype, not one of its own properties: only own properties are label values`,
    )
  }
  return undefined
}

type AnySeries = CounterSeries | GaugeSeries | HistogramSeries

/** What every metric shares: its definition and the cache of its series by label values. */
export abstract class StoreMetric<Series extends AnySeries> {
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
      if (
        values !== undefined &&
        (values === null || typeof values !== 'object' || Object.keys(values).length > 0 || values instanceof Map)
      ) {
        throw new TypeError(
          `${this.name}.labels(values): ${values instanceof Map ? MAP_GIVEN : `${this.name} has no labels; pass nothing or {}`}`,
        )
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
