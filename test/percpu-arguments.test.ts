// Wrong arguments are TypeError or RangeError with a message naming the argument; nothing is written.
import { describe, expect, it } from 'vitest'
import { expectLoadWarningsAsArranged } from './helpers/load-warnings' // before the package: it warns as it loads
import { PerCpuArray, PerCpuCounter } from '../lib'
import { native } from '../lib/binding/chosen-binding'
import { cellsOf } from '../lib/percpu/percpu-cells'

it('warns as it loads only where its vitest project arranges no native build (portable), and there once', () => {
  expectLoadWarningsAsArranged()
})

describe('PerCpuCounter.add(n)', () => {
  const counter = new PerCpuCounter()

  it.each([
    ['a fraction', 1.5, RangeError, /`n` must be an integer, got 1.5/],
    ['NaN', NaN, RangeError, /`n` must be an integer, got NaN/],
    ['Infinity', Infinity, RangeError, /`n` must be an integer/],
    ['a string', '1', TypeError, /`n` must be an integer \(number or bigint\), got "1"/],
    ['null', null, TypeError, /`n` must be an integer/],
    ['an object', {}, TypeError, /`n` must be an integer/],
    ['a bigint above int64', 2n ** 63n, RangeError, /`n` must fit in a signed 64-bit integer/],
    ['a bigint below int64', -(2n ** 63n) - 1n, RangeError, /`n` must fit in a signed 64-bit integer/],
    ['a number above int64', 2 ** 64, RangeError, /`n` must fit in a signed 64-bit integer/],
  ])('rejects %s', (_label, value, errorType, message) => {
    expect(() => counter.add(value as number)).toThrow(errorType)
    expect(() => counter.add(value as number)).toThrow(message)
    expect(counter.bigValue()).toBe(0n)
  })
  // Word for word, so that the native checks (counter.add) and the JavaScript ones (array.add, the portable
  // path) cannot drift apart: the value shown as given, cut to 127 bytes.
  const long = 10n ** 130n
  it.each([
    ['a number beyond int64', 2 ** 63, 'RangeError', 'must fit in a signed 64-bit integer, got 9223372036854776000'],
    ['a string with a quote', 'a"b', 'TypeError', 'must be an integer (number or bigint), got "a"b"'],
    ['a bigint of 131 digits', long, 'RangeError', `must fit in a signed 64-bit integer, got ${String(long).slice(0, 127)}n`],
    ['a boolean', true, 'TypeError', 'must be an integer (number or bigint), got true'],
  ])('words the rejection of %s the same for a counter and an array', (_label, value, errorType, text) => {
    const array = new PerCpuArray(1)
    const thrown = (call: () => void): string => {
      try {
        call()
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`
      }
      return 'nothing thrown'
    }
    expect(thrown(() => counter.add(value as number))).toBe(`${errorType}: PerCpuCounter.add(n): \`n\` ${text}`)
    expect(thrown(() => array.add(0, value as number))).toBe(`${errorType}: PerCpuArray.add(cell, n): \`n\` ${text}`)
  })
})

describe('PerCpuCounter construction', () => {
  it('rejects an unknown index kind, naming options.index', () => {
    expect(() => new PerCpuCounter({ index: 'node' as 'cpu' })).toThrow(TypeError)
    expect(() => new PerCpuCounter({ index: 'node' as 'cpu' })).toThrow(/options\.index/)
  })

  it('rejects options that are not an object', () => {
    expect(() => new PerCpuCounter(3 as never)).toThrow(/`options` must be an object/)
  })
})

describe('from(buffer)', () => {
  it('rejects an ArrayBuffer that is not shared', () => {
    expect(() => PerCpuCounter.from(new ArrayBuffer(4096) as SharedArrayBuffer)).toThrow(TypeError)
    expect(() => PerCpuCounter.from(new ArrayBuffer(4096) as SharedArrayBuffer)).toThrow(/`buffer` must be the SharedArrayBuffer/)
  })

  it('rejects a shared buffer without the header', () => {
    expect(() => PerCpuCounter.from(new SharedArrayBuffer(4096))).toThrow(/bad magic/)
  })

  it('rejects a buffer shorter than the header', () => {
    expect(() => PerCpuCounter.from(new SharedArrayBuffer(16))).toThrow(/shorter than the 128-byte header/)
  })

  it('rejects a PerCpuArray buffer handed to PerCpuCounter.from and the reverse', () => {
    expect(() => PerCpuCounter.from(new PerCpuArray(1).buffer)).toThrow(/belongs to a PerCpuArray/)
    expect(() => PerCpuArray.from(new PerCpuCounter().buffer)).toThrow(/belongs to a PerCpuCounter/)
  })

  it.each([
    ['version', 1, 1, /layout version 1/],
    ['slot count', 2, 0, /fewer than this machine/],
    ['width', 3, 17, /stride/],
    ['stride', 4, 100, /stride/],
    ['index kind', 5, 7, /unknown index kind/],
    ['fallback slot count', 6, 1000, /fallback slots/],
    ['rseq set count', 9, 3, /another drain mode/],
    ['baseline flag', 10, 7, /another drain mode/],
  ])('rejects a corrupted %s', (_label, field, value, message) => {
    const array = new PerCpuArray(2)
    const copy = new SharedArrayBuffer(array.buffer.byteLength)
    new Uint8Array(copy).set(new Uint8Array(array.buffer))
    new Uint32Array(copy, 0, 12)[field] = value
    expect(() => PerCpuArray.from(copy)).toThrow(TypeError)
    expect(() => PerCpuArray.from(copy)).toThrow(message)
  })

  it('rejects a buffer whose length disagrees with its header', () => {
    const array = new PerCpuArray(1)
    const longer = new SharedArrayBuffer(array.buffer.byteLength + 128)
    new Uint8Array(longer).set(new Uint8Array(array.buffer))
    expect(() => PerCpuArray.from(longer)).toThrow(/its header describes/)
  })
})

describe('PerCpuArray arguments', () => {
  const array = new PerCpuArray(2)

  it.each([0, 2 ** 31, -1, 1.5, 70_000])('rejects a width of %s with a RangeError', (width) => {
    expect(() => new PerCpuArray(width)).toThrow(RangeError)
    expect(() => new PerCpuArray(width)).toThrow(/`width`/)
  })

  it('rejects a width that is not a number with a TypeError', () => {
    expect(() => new PerCpuArray('2' as unknown as number)).toThrow(TypeError)
  })

  it.each([
    ['add', () => array.add(2, 1)],
    ['max', () => array.max(-1, 1)],
    ['compareExchange', () => array.compareExchange(5, 0, 1)],
    ['sum', () => array.sum(1.5)],
    ['drainCell', () => array.drainCell(2)],
    ['get', () => array.get(0, 9)],
  ])('%s rejects a cell out of range, naming `cell`', (_method, call) => {
    expect(call).toThrow(RangeError)
    expect(call).toThrow(/`cell` must be an integer from 0 to 1/)
  })

  it('get rejects a CPU out of range, naming `cpu`', () => {
    expect(() => array.get(100_000, 0)).toThrow(/`cpu` must be an integer from 0/)
  })

  it('names `expected` and `desired` in compareExchange', () => {
    expect(() => array.compareExchange(0, 0.5, 1)).toThrow(/`expected`/)
    expect(() => array.compareExchange(0, 0, 'x' as unknown as number)).toThrow(/`desired`/)
  })

  it('left every cell untouched', () => {
    expect(array.sum(0)).toBe(0n)
    expect(array.sum(1)).toBe(0n)
  })
})

describe('the binding under the classes (the addon, or the portable path)', () => {
  it.each([2 ** 32, 2 ** 32 + 1, 3, 1.5, -1, NaN])('refuses cell %s of a 3-cell array and writes nothing', (cell) => {
    const array = new PerCpuArray(3)
    const layout = cellsOf.get(array)!.layout
    expect(() => native.add(layout, cell, 1)).toThrow(TypeError)
    expect(() => native.max(layout, cell, 1)).toThrow(TypeError)
    expect(() => native.compareExchange(layout, cell, 0, 1)).toThrow(TypeError)
    expect(() => native.drainCell(layout, cell)).toThrow(TypeError)
    expect([array.sum(0), array.sum(1), array.sum(2)]).toEqual([0n, 0n, 0n])
  })
})
