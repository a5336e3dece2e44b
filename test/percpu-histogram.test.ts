// PerCpuHistogram: buckets and sum in per-CPU cells, merged by snapshot(); exact with 4 workers observing
// on every strategy and with sequences widened so that they abort; arguments checked by name.
import { beforeAll, describe, expect, it } from 'vitest'
import { MetricStore, PerCpuCounter, PerCpuHistogram } from '../lib'
import { instrumentedPackage } from './helpers/instrumented-package'
import { runNodeJson, type RunOptions } from './helpers/run-node'
import { GLIBC_RSEQ_OFF } from './helpers/thread-report'

interface HistogramResult {
  expected: { counts: string[]; count: string; sumUnits: string }
  observed: { counts: string[]; count: string; sumUnits: string }
  sum: number
  workerStrategies: string[]
  workerAborts: number[]
}

function observeFromWorkers(args: string[] = [], options: RunOptions = {}): Promise<HistogramResult> {
  return runNodeJson<HistogramResult>('histogram-workers.cjs', ['--workers', '4', ...args], options)
}

describe('a PerCpuHistogram', () => {
  it('counts each value in the first bucket whose bound is >= it, and above every bound in the last', async () => {
    const histogram = new PerCpuHistogram({ buckets: [1, 5, 10] })
    for (const value of [-3, 0, 1, 1.2, 5, 9, 10, 10.5, 1e6]) histogram.observe(value)
    const snapshot = histogram.snapshot()
    expect(snapshot.bounds).toEqual([1, 5, 10])
    expect(snapshot.counts).toEqual([3n, 2n, 2n, 2n])
    expect(snapshot.count).toBe(9n)
  })

  it('keeps the sum exactly as a count of `resolution`', async () => {
    const histogram = new PerCpuHistogram({ buckets: [0.01, 0.1], resolution: 1e-6 })
    for (let i = 0; i < 10; i++) histogram.observe(0.1)
    expect(histogram.snapshot().sumUnits).toBe(1_000_000n)
    expect(histogram.snapshot().sum).toBeCloseTo(1, 12)
    // A resolution of 1 rounds values to integers in the sum (not in the buckets).
    const integers = new PerCpuHistogram({ buckets: [1], resolution: 1 })
    integers.observe(0.4)
    integers.observe(2.6)
    expect(integers.snapshot()).toMatchObject({ counts: [1n, 1n], sumUnits: 3n, sum: 3 })
  })

  it('keeps a sum in seconds to the microsecond by default, and gives it as the double nearest the decimal sum', () => {
    const histogram = new PerCpuHistogram({ buckets: [0.005, 0.01, 0.1, 1] })
    expect(histogram.resolution).toBe(1e-6)
    // 4e5 units of 1e-6: 4e5 * 1e-6 is 0.39999999999999997, 4e5 / 1e6 is 0.4.
    for (let i = 0; i < 10; i++) histogram.observe(0.04)
    expect(histogram.snapshot()).toMatchObject({ count: 10n, sumUnits: 400_000n, sum: 0.4 })
  })

  it.each([
    [[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], 1e-6], // prom-client's default buckets, in seconds
    [[1, 5, 10], 1e-6],
    [[100, 1000], 1e-4],
    [[-100000, 300], 1e-4], // the smallest bound by magnitude
    [[0, 1000, 10000], 1e-3], // ... that is not 0
    [[1e6, 1e7], 1], // never coarser than 1: whole numbers stay whole
    [[1e-12, 1], 1e-6], // never finer than 1e-6: a sum's int64 cells hold 9.2e12 of the unit
    [Array.from({ length: 41 }, (_, power) => 2 ** power), 1], // bytes to 1 TiB: 1000 TiB in one value stays below 2^53 units
    [[1000, 1e10], 1e-2],
    [[0], 1e-6], // no bound but 0
  ])('defaults the resolution of buckets %j to %d', (buckets, resolution) => {
    expect(new PerCpuHistogram({ buckets }).resolution).toBe(resolution)
    expect(MetricStore.create().histogram('h', { buckets }).resolution).toBe(resolution)
  })

  // Values on halves of the resolution and 1-3 ulps beside them: where a product by a rounded 1 / resolution, an
  // ulp or two from the quotient, would round the other way (a division is what JavaScript does).
  it.each([1e-6, 1e-3, 0.1, 3, 7e-9])(
    'rounds values a few ulps from a half of the resolution as Math.round(value / resolution) does (%d)',
    (resolution) => {
      const bits = new BigInt64Array(1)
      const float = new Float64Array(bits.buffer)
      const ulpsAway = (value: number, ulps: number) => {
        float[0] = value
        bits[0] += BigInt(ulps) * (value < 0 ? -1n : 1n)
        return float[0]
      }
      const histogram = new PerCpuHistogram({ buckets: [0], resolution })
      for (let at = 0; at < 400; at++) {
        const halves = Math.trunc(Math.sin(at * 78.233) * 10 ** (at % 13)) + 0.5
        for (let ulps = -3; ulps <= 3; ulps++) {
          const value = ulpsAway(halves * resolution, ulps)
          const before = histogram.snapshot().sumUnits
          histogram.observe(value)
          expect({ value, units: histogram.snapshot().sumUnits - before }).toEqual({ value, units: BigInt(Math.round(value / resolution)) })
        }
      }
      expect(histogram.snapshot().count).toBe(2800n)
    },
  )

  it('is shared with a histogram attached through from(), bounds and resolution included', async () => {
    const histogram = new PerCpuHistogram({ buckets: [2, 4], resolution: 0.5 })
    const attached = PerCpuHistogram.from(histogram.buffer)
    expect(attached.bounds).toEqual([2, 4])
    expect(attached.resolution).toBe(0.5)
    attached.observe(3)
    histogram.observe(8)
    expect(histogram.snapshot()).toMatchObject({ counts: [0n, 1n, 1n], sumUnits: 22n, sum: 11 })
  })

  it('reset() zeroes buckets and sum and keeps the bounds', async () => {
    const histogram = new PerCpuHistogram({ buckets: [1] })
    histogram.observe(3)
    histogram.reset()
    expect(histogram.snapshot()).toMatchObject({ counts: [0n, 0n], count: 0n, sumUnits: 0n })
    expect(PerCpuHistogram.from(histogram.buffer).bounds).toEqual([1])
  })
})

describe('PerCpuHistogram arguments', () => {
  it.each([
    [undefined, TypeError, /`options` must be an object/],
    [{}, TypeError, /`options.buckets` must be an array/],
    [{ buckets: [] }, RangeError, /hold 1 to/],
    [{ buckets: [1, '2'] }, TypeError, /`options.buckets\[1\]` must be a number/],
    [{ buckets: [1, NaN] }, RangeError, /`options.buckets\[1\]` must be finite/],
    [{ buckets: [1, Infinity] }, RangeError, /must be finite/],
    [{ buckets: [2, 1] }, RangeError, /must increase strictly; \[1\] is 1 after 2/],
    [{ buckets: [1], resolution: 0 }, RangeError, /`options.resolution` must be a finite number above 0/],
    [{ buckets: [1], resolution: '1' }, TypeError, /`options.resolution` must be a number/],
    [{ buckets: [1], index: 'node' }, TypeError, /`options.index`/],
  ])('new PerCpuHistogram(%j) throws, naming the option', (options, type, message) => {
    const make = () => new PerCpuHistogram(options as never)
    expect(make).toThrow(type)
    expect(make).toThrow(message)
  })

  it.each([
    ['1', TypeError],
    [1n, TypeError],
    [NaN, RangeError],
    [Infinity, RangeError],
    [-Infinity, RangeError],
    [2 ** 60, RangeError],
  ])('observe(%s) throws %s naming `value`, and counts nothing', (value, type) => {
    const histogram = new PerCpuHistogram({ buckets: [1] })
    expect(() => histogram.observe(value as never)).toThrow(type)
    expect(() => histogram.observe(value as never)).toThrow(/`value`/)
    expect(histogram.snapshot().count).toBe(0n)
  })

  it('from() refuses other kinds of buffer and corrupted bounds', async () => {
    expect(() => PerCpuHistogram.from(new PerCpuCounter().buffer)).toThrow(/belongs to a PerCpuCounter, not a PerCpuHistogram/)
    const histogram = new PerCpuHistogram({ buckets: [1, 2] })
    const copy = new SharedArrayBuffer(histogram.buffer.byteLength)
    new Uint8Array(copy).set(new Uint8Array(histogram.buffer))
    new Float64Array(copy, copy.byteLength - 16, 2)[1] = 0.5 // bounds become [1, 0.5]
    expect(() => PerCpuHistogram.from(copy)).toThrow(/bounds that are not finite and increasing/)
  })
})

describe('4 workers x 100,000 observe() on one PerCpuHistogram attached with from()', () => {
  it.each([
    ["glibc's registrations", [], {}, 'glibc'],
    ["the package's own registrations", [], { env: GLIBC_RSEQ_OFF }, 'own'],
    ['mm_cid indexing', ['--index', 'mmcid'], {}, 'glibc'],
    ['fallback (RSEQ_STRATEGY=fallback)', [], { env: { RSEQ_STRATEGY: 'fallback' } }, 'fallback'],
    ['the portable path (node --no-addons: no addon can load)', [], { nodeArgs: ['--no-addons'] }, 'portable'],
  ] as Array<[string, string[], RunOptions, string]>)(
    'merges every bucket and the sum exactly on %s',
    async (_, args, options, strategy) => {
      const result = await observeFromWorkers(args, options)
      expect(result.workerStrategies).toEqual([strategy, strategy, strategy, strategy])
      expect(result.observed).toEqual(result.expected)
    },
  )

  describe('with sequences widened so that preemption aborts them', () => {
    let delayed: string
    beforeAll(async () => {
      delayed = await instrumentedPackage('-DRSEQ_TEST_DELAY=2000')
    }, 600_000)

    it('still counts every observation once: aborted adds re-run from their load, nothing was stored', async () => {
      const result = await observeFromWorkers(['--observations', '50000'], { env: { RSEQ_PACKAGE: delayed } })
      expect(result.workerAborts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
      expect(result.observed).toEqual(result.expected)
    })
  })
})
