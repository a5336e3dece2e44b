// What each per-CPU operation does, on whatever strategy this thread has (the suite runs this file
// once as the host allows, once with RSEQ_STRATEGY=fallback and once with no native build to load).
import { describe, expect, it } from 'vitest'
import { expectLoadWarningsAsArranged } from './helpers/load-warnings' // before the package: it warns as it loads
import { info, PerCpuArray, PerCpuCounter } from '../lib'
import { possibleCpus } from '../lib/percpu/this-process'

const strategy = info().strategy
// Set by the vitest projects that arrange a strategy (vitest.config.mts), so that none runs another unnoticed.
const arranged = process.env.RSEQ_TEST_ARRANGED_STRATEGY

it.runIf(arranged !== undefined)(`runs on the strategy its vitest project arranges (${arranged})`, () => {
  expect(strategy).toBe(arranged)
})

it('warns as it loads only where its vitest project arranges no native build (portable), and there once', () => {
  expectLoadWarningsAsArranged()
})

function cellsOfAllCpus(array: PerCpuArray, cell: number): bigint[] {
  return Array.from({ length: possibleCpus }, (_, cpu) => array.get(cpu, cell))
}

describe(`PerCpuCounter (${strategy})`, () => {
  it('starts at zero with one cell per possible CPU', () => {
    const counter = new PerCpuCounter()
    expect(counter.value()).toBe(0)
    expect(counter.perCpu()).toEqual(Array(possibleCpus).fill(0n))
  })

  it('adds 1 by default, any int64 number or bigint otherwise, and sums exactly', () => {
    const counter = new PerCpuCounter()
    counter.add()
    counter.add(41)
    counter.add(-2)
    counter.add(10n)
    expect(counter.value()).toBe(50)
    expect(counter.bigValue()).toBe(50n)
    expect(counter.perCpu().reduce((a, b) => a + b, 0n)).toBe(50n)
  })

  it('keeps sums beyond 2^53 exact in bigValue(), and refuses them in value()', () => {
    const counter = new PerCpuCounter()
    counter.add(2n ** 62n)
    counter.add(Number.MAX_SAFE_INTEGER)
    expect(counter.bigValue()).toBe(2n ** 62n + BigInt(Number.MAX_SAFE_INTEGER))
    expect(() => counter.value()).toThrow(RangeError)
    expect(() => counter.value()).toThrow(/use bigValue\(\)/)
  })

  it('takes integral numbers beyond 2^53 exactly', () => {
    const counter = new PerCpuCounter()
    counter.add(2 ** 60)
    expect(counter.bigValue()).toBe(2n ** 60n)
  })

  it('reset() zeroes every cell', () => {
    const counter = new PerCpuCounter()
    counter.add(7)
    counter.reset()
    expect(counter.value()).toBe(0)
  })

  it('drain() returns the sum and leaves zero; adds after it start from zero', () => {
    const counter = new PerCpuCounter()
    counter.add(40)
    counter.add(2)
    expect(counter.drain()).toBe(42)
    expect(counter.value()).toBe(0)
    expect(counter.perCpu()).toEqual(Array(possibleCpus).fill(0n))
    counter.add(-5)
    expect(counter.drain()).toBe(-5)
    expect(counter.drain()).toBe(0)
  })

  it('bigDrain() returns sums beyond 2^53; drain() refuses them and puts the amount back', () => {
    const counter = new PerCpuCounter()
    counter.add(2n ** 62n)
    expect(() => counter.drain()).toThrow(/put back, use bigDrain\(\)/)
    expect(counter.bigValue()).toBe(2n ** 62n)
    expect(counter.bigDrain()).toBe(2n ** 62n)
    expect(counter.bigValue()).toBe(0n)
  })

  it('drains exactly what a counter attached through from() added', () => {
    const counter = new PerCpuCounter()
    PerCpuCounter.from(counter.buffer).add(9)
    expect(PerCpuCounter.from(counter.buffer).drain()).toBe(9)
    expect(counter.value()).toBe(0)
  })

  it('shares its memory with a counter attached through from()', () => {
    const counter = new PerCpuCounter({ index: 'mmcid' })
    const attached = PerCpuCounter.from(counter.buffer)
    attached.add(5)
    counter.add(6)
    expect(counter.value()).toBe(11)
    expect(attached.buffer).toBe(counter.buffer)
  })
})

describe(`PerCpuArray (${strategy})`, () => {
  it('adds to one cell of one CPU and leaves every other cell alone', () => {
    const array = new PerCpuArray(4)
    array.add(2, 9)
    expect(array.sum(2)).toBe(9n)
    for (const cell of [0, 1, 3]) expect(array.sum(cell)).toBe(0n)
    expect(cellsOfAllCpus(array, 2).filter((value) => value !== 0n)).toEqual([9n])
  })

  it('compareExchange() stores and returns the CPU index when the cell holds `expected`', () => {
    const array = new PerCpuArray(2)
    const cpu = array.compareExchange(1, 0, 77)
    expect(cpu).toBeGreaterThanOrEqual(0)
    expect(cpu).toBeLessThan(possibleCpus)
    expect(array.get(cpu, 1)).toBe(77n)
    // Only that CPU's cell changed: per-CPU cells are independent.
    expect(cellsOfAllCpus(array, 1).map((value, index) => (index === cpu ? 0n : value))).toEqual(Array(possibleCpus).fill(0n))
    expect(array.sum(0)).toBe(0n)
  })

  it('compareExchange() returns -1 and stores nothing when the cell holds something else', () => {
    const array = new PerCpuArray(1)
    for (let cpu = 0; cpu < possibleCpus; cpu++) {
      // Whichever CPU runs the call, its cell holds 0, not 5.
      expect(array.compareExchange(0, 5, 6)).toBe(-1)
    }
    expect(array.sum(0)).toBe(0n)
  })

  it('compareExchange() takes bigint operands beyond 2^53', () => {
    const array = new PerCpuArray(1)
    const cpu = array.compareExchange(0, 0n, 2n ** 62n)
    expect(cpu).toBeGreaterThanOrEqual(0)
    expect(array.get(cpu, 0)).toBe(2n ** 62n)
    // An expected value that differs from 2^62 only below double precision is refused on every CPU.
    expect(array.compareExchange(0, 2n ** 62n + 1n, 1n)).toBe(-1)
    // The exact value is accepted on that CPU; on another (after a migration) the cell holds 0 and the
    // call answers -1, so it is asked again until the thread runs there.
    let stored = -1
    for (let attempt = 0; attempt < 1_000_000 && stored === -1; attempt++) stored = array.compareExchange(0, 2n ** 62n, -(2n ** 63n))
    expect(stored).toBe(cpu)
    expect(array.sum(0)).toBe(-(2n ** 63n))
  })

  it('max() raises a cell and never lowers it', () => {
    const array = new PerCpuArray(1)
    array.max(0, 10)
    array.max(0, 3)
    array.max(0, -50n)
    // A migration between calls may land them on different CPUs: one cell holds 10, and a CPU that saw
    // only later calls holds 3 (max(3, -50)); none holds -50 or anything lowered.
    const cells = cellsOfAllCpus(array, 0)
    expect(cells.some((value) => value === 10n)).toBe(true)
    expect(cells.every((value) => value === 0n || value === 3n || value === 10n)).toBe(true)
    array.max(0, 2n ** 62n)
    expect(cellsOfAllCpus(array, 0).some((value) => value === 2n ** 62n)).toBe(true)
  })

  it('max() of a negative value on a zero cell keeps the zero', () => {
    const array = new PerCpuArray(1)
    array.max(0, -1)
    expect(cellsOfAllCpus(array, 0)).toEqual(Array(possibleCpus).fill(0n))
  })

  it('reset() zeroes every cell of every CPU', () => {
    const array = new PerCpuArray(3)
    array.add(0, 1)
    array.max(1, 2)
    array.compareExchange(2, 0, 3)
    array.reset()
    for (const cell of [0, 1, 2]) expect(array.sum(cell)).toBe(0n)
  })

  it("drainCell() returns one cell's sum, leaves it zero and every other cell alone", () => {
    const array = new PerCpuArray(3)
    array.add(0, 5)
    array.add(1, 7)
    array.add(1, 8n)
    array.max(2, 11)
    expect(array.drainCell(1)).toBe(15n)
    expect(array.sum(1)).toBe(0n)
    expect(array.sum(0)).toBe(5n)
    expect(array.sum(2)).toBe(11n)
    array.add(1, 1)
    array.max(2, 3)
    // max() never lowers: the cell that held 11 still does (a migration may have put 3 on another CPU).
    const largest = (cells: bigint[]) => cells.reduce((a, b) => (b > a ? b : a))
    expect(largest(cellsOfAllCpus(array, 2))).toBe(11n)
    expect(array.drainCell(1)).toBe(1n)
    expect(array.drainCell(0)).toBe(5n)
    expect(largest(cellsOfAllCpus(array, 2))).toBe(11n)
  })

  it('from() attaches with the same width', () => {
    const array = new PerCpuArray(5, { index: 'mmcid' })
    const attached = PerCpuArray.from(array.buffer)
    expect(attached.width).toBe(5)
    attached.add(4, 3)
    expect(array.sum(4)).toBe(3n)
  })
})

describe('the buffer layout', () => {
  it('is a SharedArrayBuffer of a 128-byte header and 128-byte-multiple slots: rseq sets, fallback, baseline', () => {
    const array = new PerCpuArray(17)
    expect(array.buffer).toBeInstanceOf(SharedArrayBuffer)
    const stride = Math.ceil((17 * 8) / 128) * 128
    // Two rseq sets where drains flip them behind the fence; one set and a baseline where they keep
    // snapshots; one set alone where no thread can have rseq.
    const { drain } = info()
    const sets = drain === 'fence' ? 2 : 1
    const baseline = drain === 'snapshot' ? 1 : 0
    expect(array.buffer.byteLength).toBe(128 + (sets + 1 + baseline) * possibleCpus * stride)
    const header = new Uint32Array(array.buffer, 0, 12)
    expect([header[2], header[3], header[4], header[5], header[6]]).toEqual([possibleCpus, 17, stride, 0, possibleCpus])
    expect([header[8], header[9], header[10], header[11]]).toEqual([0, sets, baseline, 0])
  })
})
