// A MetricStore through the libraries users scrape with: prom-client 15 and @prometheus-io/client registries
// (registerStore), and OpenTelemetry's SDK (StoreMetricProducer) with its in-memory and Prometheus
// exporters. The same store gives the same exact values in all of them; a scrape never writes the store.
// (The runtime matrix runs the same comparison in every runtime: test/runtimes.test.ts.)
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import * as prometheusIo from '@prometheus-io/client'
import * as promClient from 'prom-client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MetricStore } from '../lib'
import { StoreMetricProducer } from '../lib/exporters/opentelemetry'
import * as promClientExport from '../lib/exporters/prom-client'
import * as prometheusIoExport from '../lib/exporters/prometheus-io-client'
import { capturingWarnings } from './helpers/captured-warnings'
import { runNodeJson } from './helpers/run-node'
const { fillStore, EXPECTED, samplesOf, storeSamples } = require('./fixtures/exporter-samples.cjs')

const directory = path.join('/dev/shm', `rseq-exporters-${process.pid}`)
beforeAll(() => fs.mkdirSync(directory, { recursive: true }))
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }))

const libraries = [
  { name: 'prom-client', library: promClient as unknown as typeof prometheusIo, registerStore: promClientExport.registerStore },
  { name: '@prometheus-io/client', library: prometheusIo, registerStore: prometheusIoExport.registerStore },
]

describe.each(libraries)('registerStore() for $name', ({ library, registerStore }) => {
  it("puts the store's series next to the registry's own metrics, exactly", async () => {
    const store = MetricStore.create()
    fillStore(store)
    const registry = new library.Registry()
    new library.Counter({ name: 'app_starts_total', help: 'starts', registers: [registry] }).inc(3)
    registerStore(store, { registers: [registry] })
    const text = await registry.metrics()
    expect(samplesOf(text)).toEqual({ ...EXPECTED, app_starts_total: 3 })
    expect(text).toContain('# HELP http_requests_total Requests by route\n# TYPE http_requests_total counter\n')
    expect(text).toContain('# TYPE latency_seconds histogram\n')
    expect(text).toContain('# TYPE queue_depth gauge\n')
    const json = await registry.getMetricsAsJSON()
    expect(json.map((metric) => metric.name).sort()).toEqual(['app_starts_total', 'http_requests_total', 'latency_seconds', 'queue_depth'])
  })

  it("joins the library's default registry when given no registries, until unregister()", async () => {
    const store = MetricStore.create()
    store.counter('rseq_default_registry_total').add(5)
    const exported = registerStore(store)
    try {
      expect(samplesOf(await library.register.metrics()).rseq_default_registry_total).toBe(5)
    } finally {
      exported.unregister()
    }
    expect(samplesOf(await library.register.metrics()).rseq_default_registry_total).toBeUndefined()
  })

  it('shows a metric made after registering, by another process, at the very next scrape', async () => {
    const file = path.join(directory, `later-${library === promClient ? 'prom' : 'io'}.metrics`)
    const store = MetricStore.open(file)
    const registry = new library.Registry()
    registerStore(store, { registers: [registry] })
    expect(await registry.metrics()).not.toContain('requests_total')
    await runNodeJson('store-writer.cjs', [file, 'add', '64'])
    const samples = samplesOf(await registry.metrics())
    expect(
      Object.entries(samples)
        .filter(([key]) => key.startsWith('requests_total'))
        .reduce((sum, [, value]) => sum + value, 0),
    ).toBe(64)
    store.close()
  })

  it('reads the store when scraped and never writes it', async () => {
    const store = MetricStore.create()
    fillStore(store)
    const registry = new library.Registry()
    registerStore(store, { registers: [registry] })
    const before = Buffer.from(store.buffer!.slice(0))
    for (let scrape = 0; scrape < 5; scrape++) {
      await registry.metrics()
      await registry.getMetricsAsJSON()
    }
    registry.resetMetrics()
    expect(Buffer.from(store.buffer!.slice(0)).equals(before)).toBe(true)
    expect(samplesOf(await registry.metrics())).toEqual(EXPECTED)
  })

  it('takes its families out and gives the registry back its own methods on unregister()', async () => {
    const store = MetricStore.create()
    fillStore(store)
    const registry = new library.Registry()
    const exported = registerStore(store, { registers: [registry] })
    expect(Object.prototype.hasOwnProperty.call(registry, 'metrics')).toBe(true)
    exported.unregister()
    expect(Object.prototype.hasOwnProperty.call(registry, 'metrics')).toBe(false)
    store.counter('after_total').add()
    expect(await registry.metrics()).not.toMatch(/http_requests_total|after_total/)
  })

  it('refuses a registry that has a metric of a name the store exports, saying which, and changes no registry', async () => {
    const store = MetricStore.create()
    store.counter('jobs_total').add()
    store.counter('other_total').add()
    const free = new library.Registry()
    const taken = new library.Registry()
    new library.Counter({ name: 'jobs_total', help: 'mine', registers: [taken] }).inc(7)
    expect(() => registerStore(store, { registers: [free, taken] })).toThrow(
      'registerStore(store, options): the registry already has a metric named jobs_total, which the store exports too',
    )
    for (const registry of [free, taken]) expect(Object.prototype.hasOwnProperty.call(registry, 'metrics')).toBe(false)
    expect(samplesOf(await taken.metrics())).toEqual({ jobs_total: 7 })
    expect(samplesOf(await free.metrics())).toEqual({})
  })

  it('leaves out a family made later under a name the registry took meanwhile, with one warning, and keeps scraping', async () => {
    const store = MetricStore.create()
    store.counter('early_total').add()
    const registry = new library.Registry()
    const exported = registerStore(store, { registers: [registry] })
    new library.Counter({ name: 'late_total', help: "the app's", registers: [registry] }).inc(4)
    store.counter('late_total').add(100)
    const { warnings } = await capturingWarnings(async () => {
      try {
        expect(samplesOf(await registry.metrics())).toEqual({ early_total: 1, late_total: 4 })
        expect(samplesOf(await registry.metrics())).toEqual({ early_total: 1, late_total: 4 })
      } finally {
        exported.unregister()
      }
    })
    expect(warnings).toEqual([
      {
        code: 'RSEQ_EXPORT_NAME_TAKEN',
        message: expect.stringContaining('the registry already has a metric named late_total, made after the store was exported'),
      },
    ])
  })

  it('rejects a read when the store cannot be read (a promise, never a throw), until the store is unregistered', async () => {
    const file = path.join(directory, `unreadable-${library === promClient ? 'prom' : 'io'}.metrics`)
    const store = MetricStore.open(file)
    store.counter('kept_total').add(2)
    const registry = new library.Registry()
    const exported = registerStore(store, { registers: [registry] })
    store.close()
    let read: Promise<unknown> | undefined
    expect(() => (read = registry.metrics())).not.toThrow()
    await expect(read).rejects.toThrow(/closed/)
    expect(() => (read = registry.getMetricsAsJSON())).not.toThrow()
    await expect(read).rejects.toThrow(/closed/)
    expect(() => (read = registry.getSingleMetricAsString('kept_total'))).not.toThrow()
    await expect(read).rejects.toThrow(/closed/)
    exported.unregister()
    expect(samplesOf(await registry.metrics())).toEqual({})
  })

  it('reads the store once per scrape, and never for getSingleMetric() or getMetricsAsArray()', async () => {
    const store = MetricStore.create()
    fillStore(store)
    const registry = new library.Registry()
    const exported = registerStore(store, { registers: [registry] })
    const collect = vi.spyOn(MetricStore.prototype, 'collect')
    try {
      await registry.metrics()
      expect(collect).toHaveBeenCalledTimes(1)
      await registry.getMetricsAsJSON()
      expect(collect).toHaveBeenCalledTimes(2)
      await registry.getSingleMetricAsString('queue_depth')
      expect(collect).toHaveBeenCalledTimes(3)
      for (let call = 0; call < 100; call++) registry.getSingleMetric('http_requests_total')
      registry.getMetricsAsArray()
      expect(collect).toHaveBeenCalledTimes(3)
    } finally {
      collect.mockRestore()
      exported.unregister()
    }
  })

  it.each([
    ['the first', 0],
    ['the second', 1],
  ])('lets two stores share a registry, %s unregistering first', async (_, leaving) => {
    const stores = [MetricStore.create(), MetricStore.create()]
    stores.forEach((store, at) => store.counter(`store${at}_total`).add(at + 1))
    const registry = new library.Registry()
    const exports = stores.map((store) => registerStore(store, { registers: [registry] }))
    const staying = 1 - leaving
    exports[leaving].unregister()
    stores.forEach((store, at) => store.counter(`store${at}_later_total`).add(10 * (at + 1)))
    expect(samplesOf(await registry.metrics())).toEqual({
      [`store${staying}_total`]: staying + 1,
      [`store${staying}_later_total`]: 10 * (staying + 1),
    })
    // The store that left is never read again: closing it does not break the registry's reads.
    stores[leaving].close()
    expect(samplesOf(await registry.metrics())).toEqual({
      [`store${staying}_total`]: staying + 1,
      [`store${staying}_later_total`]: 10 * (staying + 1),
    })
    exports[staying].unregister()
    expect(Object.prototype.hasOwnProperty.call(registry, 'metrics')).toBe(false)
    expect(samplesOf(await registry.metrics())).toEqual({})
  })

  it('puts its families back after registry.clear()', async () => {
    const store = MetricStore.create()
    store.counter('cleared_total').add(3)
    const registry = new library.Registry()
    const exported = registerStore(store, { registers: [registry] })
    registry.clear()
    expect(samplesOf(await registry.metrics())).toEqual({ cleared_total: 3 })
    exported.unregister()
  })

  it('prints OpenMetrics when the registry is asked to', async () => {
    const store = MetricStore.create()
    store.counter('open_total').add(5)
    const registry = new library.Registry()
    registry.setContentType(library.Registry.OPENMETRICS_CONTENT_TYPE as never)
    const exported = registerStore(store, { registers: [registry] })
    // The library renames a counter's family for OpenMetrics at the first scrape: the second must not add it again.
    for (let scrape = 0; scrape < 2; scrape++) {
      const text = await registry.metrics()
      expect(text).toContain('# TYPE open counter\n')
      expect(text).toContain('open_total 5\n')
      expect(text.endsWith('# EOF\n')).toBe(true)
      expect(registry.getMetricsAsArray()).toHaveLength(1)
    }
    exported.unregister()
    expect(registry.getMetricsAsArray()).toHaveLength(0)
  })

  it('reads `options.registers` as an own property only: inherited registries are none, and the default registry serves', async () => {
    const store = MetricStore.create()
    store.counter('rseq_inherited_registers_total').add(2)
    const registry = new library.Registry()
    const exported = registerStore(store, Object.create({ registers: [registry] }))
    try {
      expect(samplesOf(await library.register.metrics()).rseq_inherited_registers_total).toBe(2)
      expect(samplesOf(await registry.metrics())).toEqual({})
    } finally {
      exported.unregister()
    }
  })

  it('names what is wrong with its arguments', () => {
    expect(() => registerStore({} as MetricStore)).toThrow('registerStore(store, options): `store` must be a MetricStore')
    expect(() => registerStore(MetricStore.create(), { registers: [{}] as never })).toThrow(
      /`options.registers` must be an array of .* Registry objects/,
    )
  })
})

/** Valid Prometheus names that every plain object answers for: Object.prototype's members. */
const INHERITED_NAMES = ['constructor', 'toString', 'hasOwnProperty', '__proto__']

/** A store with a counter of each inherited name (`value` 1 to 4) and an ordinary one. */
function storeOfInheritedNames(): MetricStore {
  const store = MetricStore.create()
  INHERITED_NAMES.forEach((name, at) => store.counter(name, { help: `named ${name}` }).add(at + 1))
  store.counter('ordinary_total').add(9)
  return store
}

describe('registerStore() for @prometheus-io/client, whose registry keeps metrics in a Map', () => {
  it("exports metrics named as Object.prototype's members (constructor, toString, hasOwnProperty, __proto__) like any other", async () => {
    const registry = new prometheusIo.Registry()
    const exported = prometheusIoExport.registerStore(storeOfInheritedNames(), { registers: [registry] })
    const text = await registry.metrics()
    INHERITED_NAMES.forEach((name, at) =>
      expect(text).toContain(`# HELP ${name} named ${name}\n# TYPE ${name} counter\n${name} ${at + 1}\n`),
    )
    expect(text).toContain('ordinary_total 9\n')
    expect(registry.getMetricsAsArray()).toHaveLength(5)
    exported.unregister()
    expect(registry.getMetricsAsArray()).toHaveLength(0)
    // A metric of the registry's own under such a name still takes it.
    new prometheusIo.Counter({ name: 'toString', help: "the app's", registers: [registry] })
    expect(() => prometheusIoExport.registerStore(storeOfInheritedNames(), { registers: [registry] })).toThrow(
      'registerStore(store, options): the registry already has a metric named toString',
    )
  })
})

describe('registerStore() for prom-client, whose registry keeps metrics in a plain object', () => {
  it("leaves out, with one warning each, metrics named as Object.prototype's members (which it cannot hold), and exports the rest", async () => {
    const registry = new promClient.Registry()
    const { warnings } = await capturingWarnings(async () => {
      // Every process that exports such a store, a registry each.
      for (const store of [storeOfInheritedNames(), storeOfInheritedNames()]) {
        const exported = promClientExport.registerStore(store, { registers: [registry] })
        for (let scrape = 0; scrape < 2; scrape++)
          expect(await registry.metrics()).toBe('# HELP ordinary_total ordinary_total\n# TYPE ordinary_total counter\nordinary_total 9\n')
        expect(Object.getPrototypeOf((registry as unknown as { _metrics: object })._metrics)).toBe(Object.prototype)
        exported.unregister()
      }
    })
    const expected = [...INHERITED_NAMES]
      .sort()
      .map((name) => [
        'RSEQ_EXPORT_NAME_INHERITED',
        `registerStore(store, options): the store's metric ${name} stays out of this registry, which keeps its metrics in a plain object: ` +
          `every plain object answers for ${name} (it inherits it from Object.prototype), so the registry can hold no metric of that name; rename the metric to export it here`,
      ])
    expect(warnings.map((warning) => [warning.code, warning.message])).toEqual([...expected, ...expected])
  })
})

describe('prom-client and @prometheus-io/client installed side by side', () => {
  it("keep separate registries: a store exported to one is not in the other's, and can be exported to both", async () => {
    const store = MetricStore.create()
    store.counter('both_total').add(2)
    const exported = promClientExport.registerStore(store)
    try {
      expect(await prometheusIo.register.metrics()).not.toContain('both_total')
      const second = prometheusIoExport.registerStore(store)
      try {
        expect(samplesOf(await prometheusIo.register.metrics()).both_total).toBe(2)
        expect(samplesOf(await promClient.register.metrics()).both_total).toBe(2)
      } finally {
        second.unregister()
      }
    } finally {
      exported.unregister()
    }
    expect(await prometheusIo.register.metrics()).not.toContain('both_total')
    expect(await promClient.register.metrics()).not.toContain('both_total')
  })
})

interface ClusterScrape {
  library: string
  aggregated: Record<string, number>
  expected: Record<string, number>
}

describe('a host-wide store under the cluster registries, every worker exporting it', () => {
  it.each(['prom-client', '@prometheus-io/client'])(
    '%s aggregates it once (each worker reports the same whole), not once per worker',
    async (name) => {
      const result = await runNodeJson<ClusterScrape>(
        'exporter-cluster.cjs',
        [path.join(directory, `cluster-${name.replace(/\W/g, '')}.metrics`), name],
        { timeoutMs: 60_000 },
      )
      expect(result.aggregated).toEqual(result.expected)
    },
  )
})

async function otelCollect(store: MetricStore): Promise<ResourceMetrics> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 60_000,
    metricProducers: [new StoreMetricProducer(store)],
  })
  const provider = new MeterProvider({ readers: [reader] })
  provider.getMeter('app').createCounter('app_starts').add(1)
  await reader.forceFlush()
  const [exported] = exporter.getMetrics()
  await provider.shutdown()
  return exported
}

describe('StoreMetricProducer, through the OpenTelemetry SDK', () => {
  it("gives cumulative monotonic sums, gauges and explicit-bucket histograms with exact sum and count, next to the SDK's own metrics", async () => {
    const store = MetricStore.create()
    fillStore(store)
    const exported = await otelCollect(store)
    expect(exported.scopeMetrics.map((scope) => scope.scope.name)).toEqual(['app', 'rseq'])
    const scope = exported.scopeMetrics[1]
    expect(scope.scope.version).toBe(require('../package.json').version)
    const byName = Object.fromEntries(scope.metrics.map((metric) => [metric.descriptor.name, metric]))
    const requests = byName.http_requests_total
    expect(requests).toMatchObject({
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
    })
    expect(requests.descriptor.description).toBe('Requests by route')
    expect(requests.dataPoints.map((point) => [point.attributes, point.value])).toEqual([
      [{ method: 'GET', route: '/' }, 1000],
      [{ method: 'POST', route: '/a"b\\c' }, 41],
      [{ method: 'GET', route: '/big' }, 2 ** 40],
    ])
    expect(byName.queue_depth).toMatchObject({ dataPointType: DataPointType.GAUGE })
    expect(byName.queue_depth.dataPoints[0].value).toBe(7.25)
    const latency = byName.latency_seconds
    expect(latency.dataPointType).toBe(DataPointType.HISTOGRAM)
    expect(latency.dataPoints.map((point) => point.value)).toEqual([
      { buckets: { boundaries: [0.01, 0.1, 1], counts: [2, 1, 1, 1] }, count: 5, sum: 2.565 },
      { buckets: { boundaries: [0.01, 0.1, 1], counts: [0, 0, 1, 0] }, count: 1, sum: 0.25 },
    ])
    // Every series counts from the store's creation.
    const startMs = (point: { startTime: [number, number] }) => point.startTime[0] * 1000 + point.startTime[1] / 1e6
    expect(startMs(requests.dataPoints[0])).toBe(store.createdAt)
  })

  it("reports a store it cannot read among the collection's errors instead of failing the SDK's own metrics", async () => {
    const store = MetricStore.create()
    store.counter('c_total').add()
    store.close()
    const result = await new StoreMetricProducer(store).collect()
    expect(result.resourceMetrics.scopeMetrics).toEqual([])
    expect(String(result.errors[0])).toMatch(/MetricStore.collect\(\): the MetricStore of the in-process store is closed/)
    // Through a reader: the SDK exports its own metrics from the same collection.
    const exported = await otelCollect(store)
    expect(exported.scopeMetrics.map((scope) => scope.scope.name)).toEqual(['app'])
    expect(exported.scopeMetrics[0].metrics.map((metric) => [metric.descriptor.name, metric.dataPoints[0].value])).toEqual([
      ['app_starts', 1],
    ])
  })

  it("serves, through the SDK's Prometheus exporter, the values prom-client and @prometheus-io/client serve", async () => {
    const store = MetricStore.create()
    fillStore(store)
    const exporter = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: true,
      metricProducers: [new StoreMetricProducer(store)],
    })
    const provider = new MeterProvider({ readers: [exporter] })
    // The handler answers through response.end() once its collection is done.
    const text = await new Promise<string>((resolve) =>
      exporter.getMetricsRequestHandler({} as never, { statusCode: 0, setHeader() {}, end: resolve } as never),
    )
    await provider.shutdown()
    const fromOpenTelemetry = storeSamples(samplesOf(text))
    for (const { library, registerStore } of libraries) {
      const registry = new library.Registry()
      registerStore(store, { registers: [registry] })
      expect(storeSamples(samplesOf(await registry.metrics()))).toEqual(fromOpenTelemetry)
    }
    expect(fromOpenTelemetry).toEqual(EXPECTED)
  })

  it("carries metrics named as Object.prototype's members (constructor, toString, hasOwnProperty, __proto__) like any other", async () => {
    const exported = await otelCollect(storeOfInheritedNames())
    const metrics = exported.scopeMetrics[1].metrics.map((metric) => [
      metric.descriptor.name,
      metric.descriptor.description,
      metric.dataPoints[0].value,
    ])
    expect(metrics).toEqual(
      [...INHERITED_NAMES.map((name, at) => [name, `named ${name}`, at + 1]), ['ordinary_total', '', 9]].sort(([a], [b]) =>
        a < b ? -1 : 1,
      ),
    )
  })

  it('names what is wrong with its arguments', () => {
    expect(() => new StoreMetricProducer({} as MetricStore)).toThrow(
      'new StoreMetricProducer(store, options): `store` must be a MetricStore',
    )
    expect(() => new StoreMetricProducer(MetricStore.create(), { scope: { name: '' } })).toThrow(
      /`options.scope` must be an object with a non-empty `name`/,
    )
  })

  it("reads its options as own properties only: an inherited scope, or a scope's inherited name, is none", async () => {
    const result = await new StoreMetricProducer(MetricStore.create(), Object.create({ scope: { name: 'inherited' } })).collect()
    expect(result.resourceMetrics.scopeMetrics[0].scope.name).toBe('rseq')
    expect(() => new StoreMetricProducer(MetricStore.create(), { scope: Object.create({ name: 'inherited' }) })).toThrow(
      /`options.scope` must be an object with a non-empty `name`/,
    )
  })
})
