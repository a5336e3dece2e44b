// A MetricStore's metrics in the registries of a Prometheus client library: prom-client 15 and its
// successor @prometheus-io/client share one duck-typed registry contract (a metric is anything with a
// `name` whose `get()` returns { name, help, type, aggregator, values }), so one implementation serves both
// (lib/prom-client.ts, lib/prometheus-io-client.ts). A store gains metrics while it runs, in any process,
// and a registry has no hook before a scrape: so each registry's reading methods are wrapped, on that
// registry object only, to bring its families up to date with the store first. A scrape reads the store
// and never writes it.
import { MetricStore, type CollectedMetric } from './metric-store'

/** The part of a prom-client-style Registry the export uses. */
export interface RegistryLike {
  registerMetric(metric: never): void
  removeSingleMetric(name: string): void
  getSingleMetric(name: string): unknown
}

/** One sample line as the registries print it: a histogram names its own `_bucket`, `_sum` and `_count`. */
export interface SampleValue {
  labels: Record<string, string | number>
  value: number
  metricName?: string
}

export interface FamilyData {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  aggregator: 'sum' | 'first'
  values: SampleValue[]
}

export interface StoreExportOptions {
  /** Registries to join; the library's default registry when omitted. */
  registers?: readonly RegistryLike[]
}

/** What registerStore() returns: the export, until unregister(). */
export interface StoreExport {
  readonly store: MetricStore
  readonly registries: readonly RegistryLike[]
  /** Takes the store's families out of every registry and puts the registries' methods back. */
  unregister(): void
}

/** The registry methods that read metrics: each first brings the registry up to date with the store. */
const READERS = ['metrics', 'getMetricsAsJSON', 'getMetricsAsArray', 'getSingleMetricAsString', 'getSingleMetric'] as const

/** The Prometheus families of a collected store: counters and gauges as they are, histograms with cumulative buckets. */
export function familiesOf(collected: CollectedMetric[], aggregator: FamilyData['aggregator']): FamilyData[] {
  return collected.map((metric): FamilyData => {
    const base = { name: metric.name, help: metric.help || metric.name, aggregator }
    if (metric.kind === 'counter') {
      return { ...base, type: 'counter', values: metric.series.map(({ labels, value }) => ({ labels, value: Number(value) })) }
    }
    if (metric.kind === 'gauge') return { ...base, type: 'gauge', values: metric.series.map(({ labels, value }) => ({ labels, value })) }
    const values: SampleValue[] = []
    for (const { labels, counts, count, sum } of metric.series) {
      let cumulative = 0n
      metric.bounds.forEach((bound, at) => {
        cumulative += counts[at]
        values.push({ labels: { ...labels, le: bound }, value: Number(cumulative), metricName: `${metric.name}_bucket` })
      })
      values.push({ labels: { ...labels, le: '+Inf' }, value: Number(count), metricName: `${metric.name}_bucket` })
      values.push({ labels, value: sum, metricName: `${metric.name}_sum` })
      values.push({ labels, value: Number(count), metricName: `${metric.name}_count` })
    }
    return { ...base, type: 'histogram', values }
  })
}

/** A client library as registerStore() needs it: its Registry class and its default registry. */
export interface PrometheusLibrary {
  /** The package name, for messages. */
  name: string
  Registry: new (...args: never[]) => RegistryLike
  register: RegistryLike
}

/** registerStore(store, options) of a library module: checks its arguments, then exports. */
export function registerStoreWith(library: PrometheusLibrary, store: unknown, options: unknown, caller: string): StoreExport {
  if (!(store instanceof MetricStore)) throw new TypeError(`${caller}: \`store\` must be a MetricStore`)
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError(`${caller}: \`options\` must be an object or undefined`)
  const registers = (options as StoreExportOptions | undefined)?.registers ?? [library.register]
  if (!Array.isArray(registers) || !registers.every((registry) => registry instanceof library.Registry)) {
    throw new TypeError(`${caller}: \`options.registers\` must be an array of ${library.name} Registry objects`)
  }
  return exportStore(store, registers, caller)
}

/**
 * Exports `store` through `registries`. Every family of the store becomes one metric of each registry; a
 * family made later (by any process) joins at the next read of the registry. A host-wide store holds every
 * process's counts, so its families aggregate as 'first' under a cluster registry (each worker reports the
 * same whole); an in-process store's as 'sum'.
 */
export function exportStore(store: MetricStore, registries: readonly RegistryLike[], caller: string): StoreExport {
  const aggregator: FamilyData['aggregator'] = store.scope === 'host-wide' ? 'first' : 'sum'
  // One collect() serves every family of a scrape: each read of a registry starts a new one, which stays
  // valid until the event loop turns (the registries call every family's get() right away).
  let snapshot: Map<string, FamilyData> | null = null
  const current = (): Map<string, FamilyData> => {
    if (snapshot === null) {
      snapshot = new Map(familiesOf(store.collect(), aggregator).map((family) => [family.name, family]))
      setImmediate(() => (snapshot = null))
    }
    return snapshot
  }
  // The family objects each registry holds, by the name they were registered under (removal needs it:
  // prom-client renames a counter object when it prints OpenMetrics).
  const registered = registries.map(() => new Map<string, object>())
  // sync() asks the registry itself (getSingleMetric, wrapped below): those calls must not sync again.
  let syncing = false
  const sync = (registry: RegistryLike, mine: Map<string, object>): void => {
    if (syncing) return
    syncing = true
    snapshot = null
    try {
      addNewFamilies(registry, mine)
    } finally {
      syncing = false
    }
  }
  const addNewFamilies = (registry: RegistryLike, mine: Map<string, object>): void => {
    for (const name of current().keys()) {
      if (mine.has(name)) continue
      if (registry.getSingleMetric(name) !== undefined) {
        throw new Error(`${caller}: the registry already has a metric named ${name}, which the store exports too`)
      }
      const family = {
        name,
        type: current().get(name)!.type,
        aggregator,
        help: current().get(name)!.help,
        // The registries call get() (and, where it exists, getForPromString()) at every scrape.
        get: async () => ({ ...current().get(name)!, name: family.name }),
        // registry.resetMetrics() resets what it holds; a store is never reset from a scrape.
        reset() {},
      }
      registry.registerMetric(family as never)
      mine.set(name, family)
    }
  }
  const originals = registries.map((registry, at) => {
    const saved: Partial<Record<(typeof READERS)[number], unknown>> = {}
    for (const method of READERS) {
      const original = (registry as unknown as Record<string, (...args: unknown[]) => unknown>)[method]
      if (typeof original !== 'function') continue
      saved[method] = Object.prototype.hasOwnProperty.call(registry, method) ? original : undefined
      Object.defineProperty(registry, method, {
        configurable: true,
        writable: true,
        value: function (this: RegistryLike, ...args: unknown[]) {
          sync(registry, registered[at])
          return original.apply(this, args)
        },
      })
    }
    return saved
  })
  // Every registry gets the families the store has now.
  registries.forEach((registry, at) => sync(registry, registered[at]))
  let active = true
  return {
    store,
    registries,
    unregister() {
      if (!active) return
      active = false
      registries.forEach((registry, at) => {
        for (const name of registered[at].keys()) registry.removeSingleMetric(name)
        for (const method of READERS) {
          if (!(method in originals[at])) continue
          const own = originals[at][method]
          if (own === undefined) delete (registry as unknown as Record<string, unknown>)[method]
          else Object.defineProperty(registry, method, { configurable: true, writable: true, value: own })
        }
      })
    },
  }
}
