// What a MetricStore does, on whatever strategy this thread has (the suite runs this file as the host
// allows, with RSEQ_STRATEGY=fallback, and on the portable path with no native build to load).
import { describe, expect, it } from 'vitest'
import { expectLoadWarningsAsArranged } from './helpers/load-warnings' // before the package: it warns as it loads
import { info, MetricStore } from '../lib'
import { possibleCpus } from '../lib/percpu/this-process'
import { STORE_HEADER_BYTES, StoreField } from '../lib/layout/store-layout'

const strategy = info().strategy

it('warns as it loads only where its vitest project arranges no native build (portable), and there once', () => {
  expectLoadWarningsAsArranged()
})

describe(`an in-process MetricStore (${strategy})`, () => {
  it('counts a labelled counter per label set, exactly, through cached series and per-call lookups', () => {
    const store = MetricStore.create()
    const requests = store.counter('http_requests_total', { labelNames: ['method', 'status'], help: 'Requests served' })
    const ok = requests.labels({ method: 'GET', status: '200' })
    for (let i = 0; i < 1000; i++) ok.add()
    ok.add(41)
    ok.add(2n ** 40n)
    requests.add(3, { method: 'POST', status: 500 })
    requests.add(undefined, { status: '500', method: 'POST' })
    expect(ok.value()).toBe(1041 + 2 ** 40)
    expect(requests.value({ method: 'POST', status: '500' })).toBe(4)
    expect(requests.labels({ method: 'GET', status: '200' })).toBe(ok)
    expect(ok.labels).toEqual({ method: 'GET', status: '200' })
    expect(store.collect()).toEqual([
      {
        name: 'http_requests_total',
        help: 'Requests served',
        labelNames: ['method', 'status'],
        kind: 'counter',
        series: [
          { labels: { method: 'GET', status: '200' }, value: 1041n + 2n ** 40n },
          { labels: { method: 'POST', status: '500' }, value: 4n },
        ],
      },
    ])
  })

  it('gives a metric without labels one series, reached with no labels or {}', () => {
    const store = MetricStore.create()
    const jobs = store.counter('jobs_total')
    jobs.add()
    jobs.labels().add(2)
    jobs.labels({}).add(0n)
    expect(jobs.value()).toBe(3)
    expect(jobs.bigValue()).toBe(3n)
    expect(() => jobs.labels({ queue: 'a' })).toThrow(/jobs_total has no labels/)
  })

  it('only goes up: a counter refuses a negative add, which a gauge takes', () => {
    const store = MetricStore.create()
    const series = store.counter('up_total').labels()
    series.add(5)
    expect(() => series.add(-1)).toThrow(RangeError)
    expect(() => series.add(-2n)).toThrow(
      'CounterSeries.add(n): `n` must not be negative: a counter only goes up (a gauge goes both ways), got -2',
    )
    expect(() => store.counter('up_total').add(-3)).toThrow(/must not be negative/)
    expect(series.value()).toBe(5)
    store.gauge('down').dec(3)
    expect(store.gauge('down').value()).toBe(-3)
  })

  it('keeps a gauge as one value for the whole store: set replaces it, inc and dec change it', () => {
    const store = MetricStore.create()
    const depth = store.gauge('queue_depth', { labelNames: ['queue'] })
    depth.inc(undefined, { queue: 'a' })
    depth.inc(2.5, { queue: 'a' })
    depth.dec(1, { queue: 'a' })
    expect(depth.value({ queue: 'a' })).toBe(2.5)
    depth.set(-7.25, { queue: 'b' })
    depth.labels({ queue: 'b' }).inc()
    expect(depth.value({ queue: 'b' })).toBe(-6.25)
    const collected = store.collect()[0]
    expect(collected.kind).toBe('gauge')
    expect(collected.series).toEqual([
      { labels: { queue: 'a' }, value: 2.5 },
      { labels: { queue: 'b' }, value: -6.25 },
    ])
  })

  it('places histogram observations in their buckets with an exact sum in units of the resolution', () => {
    const store = MetricStore.create()
    const latency = store.histogram('latency_seconds', { buckets: [0.005, 0.01, 0.1], resolution: 1e-6, labelNames: ['route'] })
    const root = latency.labels({ route: '/' })
    for (const value of [0.001, 0.005, 0.0051, 0.05, 3]) root.observe(value)
    latency.observe(0.1, { route: '/x' })
    const snapshot = root.snapshot()
    expect(snapshot.counts).toEqual([2n, 1n, 1n, 1n])
    expect(snapshot.count).toBe(5n)
    expect(snapshot.sumUnits).toBe(1000n + 5000n + 5100n + 50000n + 3000000n)
    expect(latency.snapshot({ route: '/x' }).counts).toEqual([0n, 0n, 1n, 0n])
    const [collected] = store.collect()
    expect(collected).toMatchObject({ kind: 'histogram', bounds: [0.005, 0.01, 0.1], resolution: 1e-6 })
    expect(collected.kind === 'histogram' && collected.series.map((series) => series.count)).toEqual([5n, 1n])
    expect(latency.bounds).toEqual([0.005, 0.01, 0.1])
  })

  it('returns the same metric for the same declaration and refuses another definition of a name', () => {
    const store = MetricStore.create()
    const first = store.counter('events_total', { labelNames: ['kind'] })
    expect(store.counter('events_total', { labelNames: ['kind'] })).toBe(first)
    expect(() => store.gauge('events_total', { labelNames: ['kind'] })).toThrow(
      /events_total is a counter with labels \[kind\] in the in-process store, declared here as a gauge/,
    )
    expect(() => store.counter('events_total', { labelNames: ['type'] })).toThrow(/declared here as a counter with labels \[type\]/)
    store.histogram('h', { buckets: [1, 2] })
    expect(() => store.histogram('h', { buckets: [1, 3] })).toThrow(/buckets \[1, 2\].*buckets \[1, 3\]/)
  })

  it('shares metrics, series and totals with a store attached through from(buffer)', () => {
    const before = Date.now()
    const store = MetricStore.create()
    expect(store.createdAt).toBeGreaterThanOrEqual(before)
    expect(store.createdAt).toBeLessThanOrEqual(Date.now())
    expect(MetricStore.from(store.buffer!).createdAt).toBe(store.createdAt)
    store.counter('c', { labelNames: ['a'] }).add(5, { a: 'x' })
    const attached = MetricStore.from(store.buffer!)
    const counter = attached.counter('c', { labelNames: ['a'] })
    counter.add(6, { a: 'x' })
    counter.add(1, { a: 'y' })
    expect(store.counter('c', { labelNames: ['a'] }).value({ a: 'x' })).toBe(11)
    expect(store.collect()).toEqual(attached.collect())
    expect(store.collect()[0].series).toHaveLength(2)
  })

  it("totals a series over every CPU slot, the sequences' and the atomics' alike", () => {
    const store = MetricStore.create()
    const series = store.counter('spread_total').labels()
    series.add(7)
    // What other CPUs and other kinds of writer left in the series' cell (cell 0: the store's first) of
    // their slots counts too.
    const words = new BigInt64Array(store.buffer!)
    const header = new Uint32Array(store.buffer!, 0, STORE_HEADER_BYTES / 4)
    const stride = header[StoreField.Stride] / 8
    const cellOf = (region: number, slot: number) => header[region] / 8 + slot * stride
    Atomics.add(words, cellOf(StoreField.RseqOffset, possibleCpus - 1), 5n)
    Atomics.add(words, cellOf(StoreField.FallbackOffset, 0), 6n)
    expect(series.value()).toBe(18)
    expect(store.collect()[0].series[0].value).toBe(18n)
  })

  it('reports its usage against a capacity fixed at creation, and refuses what does not fit', () => {
    const store = MetricStore.create({ capacity: { series: 3, metrics: 2, cells: 8, directoryBytes: 1024 } })
    const counter = store.counter('a_total', { labelNames: ['n'] })
    counter.add(1, { n: '1' })
    counter.add(1, { n: '2' })
    counter.add(1, { n: '3' })
    expect(() => counter.add(1, { n: '4' })).toThrow(RangeError)
    expect(() => counter.add(1, { n: '4' })).toThrow(/the in-process store is full: it has no room left for 1 more series \(3 of 3 used\)/)
    expect(counter.value({ n: '3' })).toBe(1)
    store.gauge('b')
    expect(() => store.gauge('c')).toThrow(/no room left for 1 more metrics/)
    expect(store.usage()).toEqual({
      series: { used: 3, capacity: 3 },
      metrics: { used: 2, capacity: 2 },
      cells: { used: 3, capacity: 8 },
      directoryBytes: { used: expect.any(Number), capacity: 1024 },
    })
    const cells = MetricStore.create({ capacity: { cells: 5 } })
    expect(() => cells.histogram('h', { buckets: [1, 2, 3, 4] })).not.toThrow()
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(() => cells.histogram('h', { buckets: [1, 2, 3, 4] }).observe(1)).toThrow(/no room left for 6 more cells \(0 of 5 used\)/)
    }
    // A refused series gives back what it took: nothing is used.
    expect(cells.usage()).toMatchObject({ series: { used: 0 }, cells: { used: 0 } })
  })

  it('checks names, labels and values, naming what is wrong', () => {
    const store = MetricStore.create()
    expect(() => store.counter('bad name')).toThrow(/not a Prometheus metric name/)
    expect(() => store.counter('ok', { labelNames: ['__reserved'] })).toThrow(/not a Prometheus label name/)
    expect(() => store.counter('ok', { labelNames: ['a', 'a'] })).toThrow(/names the label a twice/)
    expect(() => store.histogram('h', { buckets: [1], labelNames: ['le'] })).toThrow(/le, which a histogram keeps/)
    expect(() => store.histogram('h', { buckets: [2, 1] })).toThrow(/must increase strictly/)
    const counter = store.counter('c_total', { labelNames: ['method'] })
    expect(() => counter.labels({})).toThrow(/label method must be a string or a number, got nothing/)
    expect(() => counter.labels({ method: 'GET', extra: 'x' })).toThrow(/extra is not a label of c_total/)
    expect(() => counter.labels({ method: true as unknown as string })).toThrow(/label method must be a string or a number, got boolean/)
    expect(() => counter.add(1.5, { method: 'GET' })).toThrow(/CounterSeries.add\(n\): `n` must be an integer, got 1.5/)
    expect(() => store.gauge('g').set(NaN)).toThrow(/GaugeSeries.set\(value\): `value` must be finite/)
    expect(() => store.histogram('h2', { buckets: [1] }).observe(Infinity)).toThrow(
      /HistogramSeries.observe\(value\): `value` must be finite/,
    )
    // The rejected add found (made) its series and added nothing to it.
    expect(store.collect().find((metric) => metric.name === 'c_total')!.series).toEqual([{ labels: { method: 'GET' }, value: 0n }])
  })

  it("takes a histogram's resolution from the store where the declaration names none, and refuses another one named", () => {
    const store = MetricStore.create()
    // As the package made such a histogram before its default became a function of the bounds.
    store.histogram('made_before_seconds', { buckets: [0.1, 1], resolution: 1 }).observe(2)
    const other = MetricStore.from(store.buffer!)
    const redeclared = other.histogram('made_before_seconds', { buckets: [0.1, 1] })
    expect(redeclared.resolution).toBe(1)
    expect(redeclared.snapshot().sumUnits).toBe(2n)
    expect(() => other.histogram('made_before_seconds', { buckets: [0.1, 1], resolution: 1e-6 })).toThrow(
      /made_before_seconds is a histogram with labels \[\], buckets \[0\.1, 1\] and resolution 1 in the in-process store, declared here as .* resolution 0\.000001; a name has one definition in a store/,
    )
  })

  it('stops its series when closed, leaving other stores on the same memory working', () => {
    const store = MetricStore.create()
    const series = store.counter('c').labels()
    const level = store.gauge('g').labels()
    series.add()
    level.set(4)
    const other = MetricStore.from(store.buffer!)
    store.close()
    expect(() => series.add()).toThrow(/MetricStore is closed/)
    expect(() => level.set(9)).toThrow('GaugeSeries.set(value): the MetricStore of the in-process store is closed')
    expect(() => level.inc()).toThrow('GaugeSeries.inc(amount): the MetricStore of the in-process store is closed')
    expect(() => level.dec()).toThrow('GaugeSeries.dec(amount): the MetricStore of the in-process store is closed')
    expect(() => store.collect()).toThrow(/is closed/)
    other.counter('c').add()
    expect(other.counter('c').value()).toBe(2)
    expect(other.gauge('g').value()).toBe(4)
  })

  it('keeps label values as they are: a leading byte-order mark makes another value, a lone surrogate is refused', () => {
    const store = MetricStore.create()
    const counter = store.counter('marks_total', { labelNames: ['v'] })
    counter.add(1, { v: 'x' })
    counter.add(2, { v: '\uFEFFx' })
    const attached = MetricStore.from(store.buffer!).counter('marks_total', { labelNames: ['v'] })
    attached.add(3, { v: '\uFEFFx' })
    attached.add(4, { v: 'x' })
    expect(store.collect()[0].series).toEqual([
      { labels: { v: 'x' }, value: 5n },
      { labels: { v: '\uFEFFx' }, value: 5n },
    ])
    expect(() => counter.add(1, { v: 'a\uD800' })).toThrow(/label v holds a lone surrogate/)
  })

  it('lists series in the order they were made, for every attachment', () => {
    const store = MetricStore.create()
    const counter = store.counter('order_total', { labelNames: ['n'] })
    for (let n = 0; n < 40; n++) counter.add(1, { n: String(n) })
    const made = store.collect()[0].series.map((series) => series.labels.n)
    expect(made).toEqual(Array.from({ length: 40 }, (_, n) => String(n)))
    expect(
      MetricStore.from(store.buffer!)
        .collect()[0]
        .series.map((series) => series.labels.n),
    ).toEqual(made)
  })

  it('validates a buffer handed to from()', () => {
    expect(() => MetricStore.from(new SharedArrayBuffer(64))).toThrow(/shorter than a store's 256-byte header/)
    expect(() => MetricStore.from(new ArrayBuffer(4096) as unknown as SharedArrayBuffer)).toThrow(
      /must be the SharedArrayBuffer of an in-process MetricStore/,
    )
    const store = MetricStore.create()
    const copy = new SharedArrayBuffer(store.buffer!.byteLength)
    new Uint8Array(copy).set(new Uint8Array(store.buffer!))
    new Uint32Array(copy)[StoreField.Cells] += 1
    expect(() => MetricStore.from(copy)).toThrow(/corrupted header \(its checksum does not match\)/)
    expect(() => MetricStore.from(new SharedArrayBuffer(4096))).toThrow(/is not a metric store/)
  })

  it.runIf(strategy === 'portable')('refuses a host-wide store where no native build is loaded, saying why', () => {
    expect(() => MetricStore.open('/dev/shm/never-made-portable.metrics')).toThrow(
      /^MetricStore\.open\(path, options\): \/dev\/shm\/never-made-portable\.metrics cannot be mapped: a host-wide store needs the native build, which this thread does not load \(/,
    )
  })

  it('refuses to index a host-wide store by mm_cid', () => {
    expect(() => MetricStore.open('never-made', { index: 'mmcid' } as never)).toThrow(/always indexed by CPU: mm_cid is per process/)
  })

  it('refuses a capacity key it does not know, a name every object inherits as much as a typo', () => {
    const known = 'they are series, metrics, cells, directoryBytes'
    for (const key of ['serie', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(() => MetricStore.create({ capacity: { [key]: 1 } as never })).toThrow(
        `MetricStore.create(options): \`options.capacity.${key}\` is not a capacity; ${known}`,
      )
      expect(() => MetricStore.open('never-made', { capacity: { [key]: 1 } as never })).toThrow(
        `MetricStore.open(path, options): \`options.capacity.${key}\` is not a capacity; ${known}`,
      )
    }
    // An own key named __proto__, as JSON.parse makes it.
    expect(() => MetricStore.create({ capacity: JSON.parse('{"__proto__": {"series": 2}}') })).toThrow(
      `\`options.capacity.__proto__\` is not a capacity; ${known}`,
    )
  })

  it('reads options as own properties only: what an options object inherits is no option', () => {
    const inheriting = <T extends object>(inherited: T): T => Object.create(inherited)
    const store = MetricStore.create(inheriting({ index: 'mmcid' as const, capacity: { series: 2 } }))
    expect(store.index).toBe('cpu')
    expect(store.usage().series.capacity).toBe(4096)
    expect(MetricStore.create({ capacity: inheriting({ series: 2 }) }).usage().series.capacity).toBe(4096)
    const counter = store.counter('inherited_total', inheriting({ labelNames: ['a'], help: 'inherited' }))
    expect([counter.labelNames, counter.help]).toEqual([[], ''])
    expect(() => store.histogram('inherited_seconds', inheriting({ buckets: [1, 2] }))).toThrow(
      'MetricStore.histogram(name, options): `options.buckets` must be an array of numbers',
    )
    // An inherited resolution is none: the default for bounds from 1 is 1e-6, so an inherited 1e-3 must not show.
    expect(store.histogram('resolved_seconds', Object.assign(inheriting({ resolution: 1e-3 }), { buckets: [1] })).resolution).toBe(1e-6)
  })

  it("takes label values from the object's own properties only, never through its prototype", () => {
    const store = MetricStore.create()
    const counter = store.counter('owned_total', { labelNames: ['a'] })
    counter.add(1, { a: 'x' })
    // Whether the series exists (the cached path) or not (the path that makes it), an inherited value is none.
    for (const value of ['x', 'never-made']) {
      expect(() => counter.labels(Object.create({ a: value }))).toThrow(
        'owned_total.labels(values): label a is inherited by `values` through its prototype, not one of its own properties: only own properties are label values',
      )
      expect(() => counter.labels(Object.assign(Object.create({ a: value }), { b: 'y' }))).toThrow(
        'owned_total.labels(values): b is not a label of owned_total; its labels are a',
      )
    }
    expect(store.collect()[0].series).toEqual([{ labels: { a: 'x' }, value: 1n }])
  })

  it('says how to pass label values held in a Map', () => {
    const store = MetricStore.create()
    const fix = '`values` must be a plain object of label values by label name, not a Map: pass Object.fromEntries(map)'
    expect(() => store.counter('mapped_total', { labelNames: ['a'] }).labels(new Map([['a', 'x']]) as never)).toThrow(
      `mapped_total.labels(values): ${fix}`,
    )
    expect(() => store.counter('unlabelled_total').labels(new Map([['a', 'x']]) as never)).toThrow(
      `unlabelled_total.labels(values): ${fix}`,
    )
    expect(store.collect().flatMap((metric) => metric.series)).toEqual([])
  })
})
