// Property-based: whatever a caller passes, every public function and constructor either works or
// throws a TypeError/RangeError naming the argument; it never crashes and never writes on failure.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectLoadWarningsAsArranged } from './helpers/load-warnings' // before the package: it warns as it loads
import { currentCpu, currentMmCid, currentNumaNode, info, MetricStore, PerCpuArray, PerCpuCounter } from '../lib'
import { possibleCpus } from '../lib/percpu/this-process'

it('warns as it loads only where its vitest project arranges no native build (portable), and there once', () => {
  expectLoadWarningsAsArranged()
})

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

// Values that are never an acceptable integer.
const notAnInteger = fc.oneof(
  fc.double({ noInteger: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -1e-300, 2 ** 64, -(2 ** 64), 1e308),
  fc.bigInt({ min: INT64_MAX + 1n, max: 2n ** 200n }),
  fc.bigInt({ min: -(2n ** 200n), max: INT64_MIN - 1n }),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.object(),
  fc.array(fc.integer()),
  fc.constant(Symbol('x')),
  fc.constant(() => 1),
  fc.constant(new SharedArrayBuffer(8)),
)

// Values that are never an acceptable index.
const notAnIndex = (limit: number) =>
  fc.oneof(
    fc.integer({ min: limit, max: 2 ** 31 }),
    fc.integer({ max: -1 }),
    fc.double({ noInteger: true }),
    fc.constantFrom(NaN, Infinity, -Infinity, 2 ** 53, -0.5),
    fc.string(),
    fc.bigInt(),
    fc.constant(null),
    fc.object(),
  )

function rejects(call: () => unknown, name: RegExp): boolean {
  try {
    call()
  } catch (error) {
    return (error instanceof TypeError || error instanceof RangeError) && name.test((error as Error).message)
  }
  return false
}

describe('PerCpuCounter.add(n) with anything', () => {
  it('rejects every non-integer or out-of-range n, naming `n`, and writes nothing', () => {
    const counter = new PerCpuCounter()
    fc.assert(
      fc.property(notAnInteger, (value) => {
        expect(rejects(() => counter.add(value as number), /`n`/)).toBe(true)
        expect(counter.bigValue()).toBe(0n)
      }),
      { numRuns: 500 },
    )
  })

  it('adds every int64 exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), { maxLength: 50 }), fc.boolean(), (values, asNumbers) => {
        const counter = new PerCpuCounter()
        for (const value of values) counter.add(asNumbers ? Number(value) : value)
        expect(counter.bigValue()).toBe(values.reduce((a, b) => a + b, 0n))
      }),
      { numRuns: 200 },
    )
  })
})

// Values no gauge takes: anything but a finite number (undefined is inc's and dec's default amount).
const notAFiniteNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity),
  fc.bigInt(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.object(),
  fc.constant(Symbol('x')),
)

describe('GaugeSeries.set(value), inc(amount) and dec(amount) with anything', () => {
  // A host-wide store needs the native build, which the portable project does not load.
  const scopes = info().callPath === 'portable' ? ['in-process'] : ['in-process', 'host-wide']
  it.each(scopes)('rejects every value but a finite number, naming it, and writes nothing (%s store)', (scope) => {
    const file = `/dev/shm/rseq-hostile-gauge-${process.pid}`
    const store = scope === 'in-process' ? MetricStore.create() : MetricStore.open(file)
    try {
      const gauge = store.gauge('hostile').labels({})
      gauge.set(5)
      fc.assert(
        fc.property(notAFiniteNumber, fc.constantFrom('set', 'inc', 'dec'), (value, operation) => {
          const argument = operation === 'set' ? /`value`/ : /`amount`/
          expect(rejects(() => gauge[operation as 'set'](value as number), argument)).toBe(true)
          expect(gauge.value()).toBe(5)
        }),
      )
      gauge.inc(2.5)
      gauge.dec()
      expect(gauge.value()).toBe(6.5)
    } finally {
      store.close()
      if (scope === 'host-wide') MetricStore.remove(file)
    }
  })
})

describe('PerCpuArray with anything', () => {
  it('rejects every bad width, naming `width`', () => {
    fc.assert(
      fc.property(fc.oneof(notAnIndex(65537), fc.constantFrom(0, 2 ** 31)), (width) => {
        expect(rejects(() => new PerCpuArray(width as number), /`width`/)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('rejects every bad cell in every method, naming `cell`, and writes nothing', () => {
    const array = new PerCpuArray(3)
    fc.assert(
      fc.property(notAnIndex(3), (cell) => {
        const c = cell as number
        for (const call of [
          () => array.add(c, 1),
          () => array.max(c, 1),
          () => array.compareExchange(c, 0, 1),
          () => array.get(0, c),
          () => array.sum(c),
          () => array.drainCell(c),
        ]) {
          expect(rejects(call, /`cell`/)).toBe(true)
        }
        for (const at of [0, 1, 2]) expect(array.sum(at)).toBe(0n)
      }),
      { numRuns: 300 },
    )
  })

  it('rejects every bad value, naming it, and writes nothing', () => {
    const array = new PerCpuArray(2)
    fc.assert(
      fc.property(notAnInteger, (value) => {
        const v = value as number
        expect(rejects(() => array.add(0, v), /`n`/)).toBe(true)
        expect(rejects(() => array.max(0, v), /`v`/)).toBe(true)
        expect(rejects(() => array.compareExchange(0, v, 1), /`expected`/)).toBe(true)
        expect(rejects(() => array.compareExchange(0, 0, v), /`desired`/)).toBe(true)
        expect(array.sum(0)).toBe(0n)
      }),
      { numRuns: 300 },
    )
  })

  it('rejects every bad cpu in get(), naming `cpu`', () => {
    const array = new PerCpuArray(1)
    fc.assert(
      fc.property(notAnIndex(possibleCpus), (cpu) => rejects(() => array.get(cpu as number, 0), /`cpu`/)),
      { numRuns: 200 },
    )
  })

  it('rejects bad options, naming them', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), (index) => {
        expect(rejects(() => new PerCpuArray(1, { index: index as 'cpu' }), /options\.index/)).toBe(true)
        expect(rejects(() => new PerCpuCounter(index as never), /`options`|options\.index/)).toBe(true)
      }),
      { numRuns: 100 },
    )
  })
})

describe('from(buffer) with anything', () => {
  const foreign = fc.oneof(
    fc.constant(new ArrayBuffer(4096)),
    fc.integer({ min: 0, max: 4096 }).map((size) => new SharedArrayBuffer(size)),
    fc.uint8Array({ minLength: 0, maxLength: 2048 }).map((bytes) => {
      const buffer = new SharedArrayBuffer(bytes.length)
      new Uint8Array(buffer).set(bytes)
      return buffer
    }),
    fc.constant(new Uint8Array(64)),
    fc.constant(new BigInt64Array(new SharedArrayBuffer(1024))),
    fc.anything(),
  )

  it('rejects anything that is not a per-CPU buffer with a TypeError naming `buffer`', () => {
    fc.assert(
      fc.property(foreign, (buffer) => {
        expect(rejects(() => PerCpuCounter.from(buffer as SharedArrayBuffer), /`buffer`/)).toBe(true)
        expect(rejects(() => PerCpuArray.from(buffer as SharedArrayBuffer), /`buffer`/)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('rejects a detached ArrayBuffer', () => {
    const detached = new ArrayBuffer(1024)
    structuredClone(detached, { transfer: [detached] })
    expect(detached.byteLength).toBe(0)
    expect(rejects(() => PerCpuCounter.from(detached as unknown as SharedArrayBuffer), /`buffer`/)).toBe(true)
  })

  it('either rejects a buffer with a corrupted header, naming `buffer`, or attaches to a consistent one', () => {
    const original = new PerCpuArray(4)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const copy = new SharedArrayBuffer(original.buffer.byteLength)
        new Uint8Array(copy).set(new Uint8Array(original.buffer))
        new Uint8Array(copy)[at] = byte
        let attached: PerCpuArray
        try {
          attached = PerCpuArray.from(copy)
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError)
          expect((error as Error).message).toMatch(/`buffer`/)
          return
        }
        // Still valid (the byte kept the header consistent): it works and stays inside the buffer.
        attached.add(attached.width - 1, 1)
        expect(attached.sum(attached.width - 1)).toBe(1n)
      }),
      { numRuns: 300 },
    )
  })
})

describe('the functions without arguments', () => {
  it('ignore whatever they are given', () => {
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 3 }), (args) => {
        const call = (f: (...a: unknown[]) => unknown) => f(...args)
        if (info().strategy === 'portable') {
          // -1 is "unknown": JavaScript cannot know its CPU without the addon.
          expect([call(currentCpu as () => number), call(currentMmCid as () => number), call(currentNumaNode as () => number)]).toEqual([
            -1, -1, -1,
          ])
        } else {
          expect(call(currentCpu as () => number)).toBeGreaterThanOrEqual(0)
          expect(call(currentMmCid as () => number)).toBeGreaterThanOrEqual(-1)
          expect(call(currentNumaNode as () => number)).toBeGreaterThanOrEqual(0)
        }
        expect(typeof (call(info as () => unknown) as { strategy: string }).strategy).toBe('string')
      }),
      { numRuns: 50 },
    )
  })
})
