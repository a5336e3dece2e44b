// A MetricStore's metrics in the registries of a Prometheus client library: prom-client 15 and its
// successor @prometheus-io/client share one duck-typed registry contract (a metric is anything with a
// `name` whose `get()` returns { name, help, type, aggregator, values }), so one implementation serves both
// (lib/exporters/prom-client.ts, lib/exporters/prometheus-io-client.ts). A store gains metrics while it runs, in any process,
// and a registry has no hook before a scrape: so each registry's reading methods are wrapped, on that
// registry object only, to bring its families up to date with the store first. A scrape reads the store
// and never writes it.
import { MetricStore, type CollectedMetric } from '../store/metric-store'
import { ownProperties } from '../binding/own-properties'

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
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw new TypeError(`${caller}: \`options\` must be an object or undefined`)
  const registers = ownProperties((options ?? {}) as StoreExportOptions).registers ?? [library.register]
  if (!Array.isArray(registers) || !registers.every((registry) => registry instanceof library.Registry)) {
    throw new TypeError(`${caller}: \`options.registers\` must be an array of ${library.name} Registry objects`)
  }
  return exportStore(store, registers, caller)
}

/**
 * The registry methods a scrape calls (prom-client's and @prometheus-io/client's, each async): each first
 * brings the registry's families up to date with the stores exported to it. getSingleMetric() and
 * getMetricsAsArray() are left alone: apps call the first on every request, and the readers call the second
 * from inside themselves, where a second store read would be wasted.
 */
const READERS = ['metrics', 'getMetricsAsJSON', 'getSingleMetricAsString'] as const
type Reader = (...args: unknown[]) => unknown

/** One export's part in one registry: brings the registry up to date with the export's store. */
interface Participant {
  sync(): void
}

/**
 * What a registry carries while any store is exported to it: the wrappers of its READERS, installed once
 * whatever the number of exports, and the exports' participants they run before each read.
 */
interface RegistryHook {
  participants: Set<Participant>
  /** The registry's own value of each wrapped method (undefined: it had none, its prototype's served). */
  own: Map<string, Reader | undefined>
  wrappers: Map<string, Reader>
}

const hooks = new WeakMap<RegistryLike, RegistryHook>()

/**
 * What a registry that keeps its metrics in a plain object (prom-client 15's) answers for `name` while it
 * holds no metric of that name: what every plain object inherits from Object.prototype (its member
 * `constructor`, `toString`..., or for `__proto__` Object.prototype itself); undefined for other names.
 */
const inheritedAnswer = (name: string): unknown => (({}) as Record<string, unknown>)[name]

/** The metric `registry` holds under `name`, or undefined: an inherited answer is none. */
function registeredMetric(registry: RegistryLike, name: string): unknown {
  const held = registry.getSingleMetric(name)
  return held === inheritedAnswer(name) ? undefined : held
}

/**
 * Whether `registry` cannot hold a metric named `name`: it answers for the name with what its plain object
 * inherits, and a plain object's registry can register no metric under such a name (prom-client's refuses
 * it as taken; assigning one under `__proto__` would replace the object's prototype).
 */
function cannotHold(registry: RegistryLike, name: string): boolean {
  const inherited = inheritedAnswer(name)
  return inherited !== undefined && registry.getSingleMetric(name) === inherited
}

function hookOf(registry: RegistryLike): RegistryHook {
  const existing = hooks.get(registry)
  if (existing) return existing
  const hook: RegistryHook = { participants: new Set(), own: new Map(), wrappers: new Map() }
  const methods = registry as unknown as Record<string, Reader>
  for (const method of READERS) {
    const original = methods[method]
    if (typeof original !== 'function') continue
    hook.own.set(method, Object.prototype.hasOwnProperty.call(registry, method) ? original : undefined)
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      try {
        for (const participant of hook.participants) participant.sync()
      } catch (error) {
        // These methods return promises: a store that cannot be read rejects the read, as a failing metric does.
        return Promise.reject(error)
      }
      return original.apply(this, args)
    }
    hook.wrappers.set(method, wrapper)
    Object.defineProperty(registry, method, { configurable: true, writable: true, value: wrapper })
  }
  hooks.set(registry, hook)
  return hook
}

/** Takes `participant` out of the registry's hook; the last one out gives the registry its methods back (those not replaced since). */
function leaveHook(registry: RegistryLike, participant: Participant): void {
  const hook = hooks.get(registry)
  if (!hook?.participants.delete(participant) || hook.participants.size > 0) return
  hooks.delete(registry)
  const methods = registry as unknown as Record<string, unknown>
  for (const [method, wrapper] of hook.wrappers) {
    if (methods[method] !== wrapper) continue
    const own = hook.own.get(method)
    if (own === undefined) delete methods[method]
    else Object.defineProperty(registry, method, { configurable: true, writable: true, value: own })
  }
}

/**
 * Exports `store` through `registries`. Every family of the store becomes one metric of each registry; a
 * family made later (by any process) joins at the next read of the registry. A host-wide store holds every
 * process's counts, so its families aggregate as 'first' under a cluster registry (each worker reports the
 * same whole); an in-process store's as 'sum'.
 */
export function exportStore(store: MetricStore, registries: readonly RegistryLike[], caller: string): StoreExport {
  const aggregator: FamilyData['aggregator'] = store.scope === 'host-wide' ? 'first' : 'sum'
  // One collect() serves every family of a read: each read starts a new one, which stays valid until the
  // event loop turns (the registries call every family's get() right away).
  let snapshot: Map<string, FamilyData> | null = null
  const current = (): Map<string, FamilyData> => {
    if (snapshot === null) {
      snapshot = new Map(familiesOf(store.collect(), aggregator).map((family) => [family.name, family]))
      setImmediate(() => (snapshot = null))
    }
    return snapshot
  }
  const unique = [...new Set(registries)]
  // A name the store exports must be free in every registry before any of them changes.
  for (const registry of unique) {
    for (const name of current().keys()) {
      if (registeredMetric(registry, name) !== undefined) {
        throw new Error(
          `${caller}: the registry already has a metric named ${name}, which the store exports too: rename one of them, or export the store to another registry`,
        )
      }
    }
  }
  const memberships = unique.map((registry) => {
    // The family objects this export put in the registry, by the name they were registered under (removal
    // needs it: prom-client renames a counter object when it prints OpenMetrics).
    const mine = new Map<string, object>()
    // Names a family of the store could not take (the registry had a metric of that name, or can hold none): warned once.
    const refused = new Set<string>()
    const refuse = (name: string, why: string, code: string): void => {
      if (refused.has(name)) return
      refused.add(name)
      process.emitWarning(`${caller}: ${why}`, { code })
    }
    const participant: Participant = {
      sync() {
        snapshot = null
        for (const [name, family] of current()) {
          if (cannotHold(registry, name)) {
            refuse(
              name,
              `the store's metric ${name} stays out of this registry, which keeps its metrics in a plain object: every plain object answers for ${name} ` +
                '(it inherits it from Object.prototype), so the registry can hold no metric of that name; rename the metric to export it here',
              'RSEQ_EXPORT_NAME_INHERITED',
            )
            continue
          }
          const held = registeredMetric(registry, name)
          if (held !== undefined && held === mine.get(name)) continue
          // registry.clear() or removeSingleMetric() took it out: it comes back; another metric took the name: it stays out.
          mine.delete(name)
          if (held !== undefined) {
            refuse(
              name,
              `the registry already has a metric named ${name}, made after the store was exported; the store's ${name} stays out of that registry`,
              'RSEQ_EXPORT_NAME_TAKEN',
            )
            continue
          }
          const exported = {
            name,
            type: family.type,
            aggregator,
            help: family.help,
            // The registries call get() (and, where it exists, getForPromString()) at every read.
            get: async () => ({ ...current().get(name)!, name: exported.name }),
            // registry.resetMetrics() resets what it holds; a store is never reset from a scrape.
            reset() {},
          }
          registry.registerMetric(exported as never)
          mine.set(name, exported)
        }
      },
    }
    return { registry, mine, participant }
  })
  let active = true
  const unregister = (): void => {
    if (!active) return
    active = false
    for (const { registry, mine, participant } of memberships) {
      leaveHook(registry, participant)
      for (const [name, family] of mine) if (registry.getSingleMetric(name) === family) registry.removeSingleMetric(name)
      mine.clear()
    }
  }
  try {
    for (const { registry, participant } of memberships) {
      hookOf(registry).participants.add(participant)
      participant.sync()
    }
  } catch (error) {
    unregister()
    throw error
  }
  return { store, registries: unique, unregister }
}
