// A host-wide store rewritten by another process of its user, in place, while this one has it open: its
// allocation words rewound or unaligned, a series' cells laid over another's, records chained or changed
// after they were read, the file shrunk and grown back. Whatever is written, the counts already in the store
// stay right or the store is refused with an error that names the file and what is wrong: never wrong data
// in silence, never an error that names nothing, never a crash.
import * as fs from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetricStore } from '../lib'
import { MAX_LABEL_NAMES } from '../lib/store/store-directory'
import { StoreField } from '../lib/layout/store-layout'
import { fixRecordChecksum, headerWord, rawRecords, recordsOffset, setHeaderWord, writeRange } from './helpers/store-bytes'

const directory = path.join('/dev/shm', `rseq-store-rewritten-${process.pid}`)
let files = 0
const newFile = () => path.join(directory, `store-${files++}.metrics`)

beforeAll(() => fs.mkdirSync(directory, { recursive: true }))
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }))

const ALLOCATION_WORDS = [StoreField.CellsUsed, StoreField.DirectoryBytesUsed, StoreField.SeriesUsed, StoreField.MetricsUsed]

/** A store with series a = 1000 of c_total{k}, and a gauge g = 5 (two metrics, two series of a cell each). */
function storeWithCounts(file = newFile(), options?: Parameters<typeof MetricStore.open>[1]) {
  const store = MetricStore.open(file, options)
  const counter = store.counter('c_total', { labelNames: ['k'] })
  const a = counter.labels({ k: 'a' })
  a.add(1000)
  store.gauge('g').set(5)
  return { file, store, counter, a }
}

function thrown(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    return (error as Error).message
  }
  return 'nothing thrown'
}

const counted = (store: MetricStore) =>
  Object.fromEntries(
    store
      .collect()
      .flatMap((metric) =>
        metric.series.map((series) => [`${metric.name}${JSON.stringify(series.labels)}`, 'value' in series ? series.value : series.count]),
      ),
  )

describe('allocation words rewound by another process', () => {
  it('all four set to 0: a new series or metric is refused naming the file, and the counts already there stay right', () => {
    const { file, store, counter, a } = storeWithCounts()
    for (const field of ALLOCATION_WORDS) setHeaderWord(file, field, 0)
    expect(thrown(() => counter.labels({ k: 'b' }).add(7))).toBe(
      `c_total.labels(values): ${file} is corrupted: it counts 0 series used, fewer than the 2 its published records take (another process rewound the count)`,
    )
    expect(thrown(() => store.gauge('g2'))).toBe(
      `MetricStore.gauge(name, options): ${file} is corrupted: it counts 0 metrics used, fewer than the 2 its published records take (another process rewound the count)`,
    )
    expect(a.value()).toBe(1000)
    expect(counted(store)).toEqual({ 'c_total{"k":"a"}': 1000n, 'g{}': 5 })
    // A process opening it now finds the published series beyond what the words count.
    expect(thrown(() => MetricStore.open(file))).toMatch(
      new RegExp(
        `^MetricStore\\.open\\(path, options\\): ${file} is corrupted: the directory record at byte \\d+ .*\\(the count was rewound\\)$`,
      ),
    )
    store.close()
  })

  it('only the cells-used word set to 0: every process refuses to give the next series a cell another series has', () => {
    const { file, store, counter } = storeWithCounts()
    setHeaderWord(file, StoreField.CellsUsed, 0)
    expect(thrown(() => counter.labels({ k: 'b' }))).toBe(
      `c_total.labels(values): ${file} is corrupted: it counts 0 cells used, fewer than the 2 its published records take (another process rewound the count)`,
    )
    // Whichever series a reader meets first (table order) is beyond the count.
    const series = rawRecords(fs.readFileSync(file)).filter((record) => record.type === 'series')
    const named = series.map(
      (record) => `the directory record at byte ${record.offset} has cells up to ${record.firstCell}, beyond the 0 cells`,
    )
    const problem = thrown(() => MetricStore.open(file))
    expect(
      named.map(
        (text) => `MetricStore.open(path, options): ${file} is corrupted: ${text} the store counts as used (the count was rewound)`,
      ),
    ).toContain(problem)
    // What was taken for the refused series was given back: the words are as the other process left them.
    expect(headerWord(file, StoreField.SeriesUsed)).toBe(2)
    store.close()
  })

  it('a directory-bytes word that is no multiple of 8: refused by the writer and at open, and the store stays readable as it was', () => {
    const { file, store, counter, a } = storeWithCounts()
    const used = headerWord(file, StoreField.DirectoryBytesUsed)
    setHeaderWord(file, StoreField.DirectoryBytesUsed, used + 3)
    const problem = `is corrupted: it counts ${used + 3} directory bytes used, not a multiple of 8 as every record is`
    expect(thrown(() => counter.labels({ k: 'b' }))).toBe(`c_total.labels(values): ${file} ${problem}`)
    expect(thrown(() => MetricStore.open(file))).toBe(`MetricStore.open(path, options): ${file} ${problem}`)
    expect(a.value()).toBe(1000)
    setHeaderWord(file, StoreField.DirectoryBytesUsed, used)
    const reopened = MetricStore.open(file)
    expect(counted(reopened)).toEqual({ 'c_total{"k":"a"}': 1000n, 'g{}': 5 })
    reopened.close()
    store.close()
  })
})

describe('directory records forged with their checksums made right', () => {
  it("a series whose cells are another series' is refused at open, naming both the record and the cell", () => {
    const { file, store, counter } = storeWithCounts()
    counter.labels({ k: 'b' }).add(7)
    store.close()
    const bytes = fs.readFileSync(file)
    const [a, b] = rawRecords(bytes).filter((record) => record.type === 'series')
    bytes.writeUInt32LE(a.firstCell, recordsOffset(bytes) + b.offset + 16)
    fixRecordChecksum(bytes, b.offset)
    fs.writeFileSync(file, bytes)
    // The one of the two a reader meets second (table order) is the one refused.
    expect(
      [a, b].map(
        (record) =>
          `MetricStore.open(path, options): ${file} is corrupted: the directory record at byte ${record.offset} has cell ${a.firstCell}, ` +
          'which another series has too (the cells-used count was rewound, so two series were given one cell)',
      ),
    ).toContain(thrown(() => MetricStore.open(file)))
  })

  it('a chain of series records filling the directory, each pointing to the one before: refused at open without exhausting the stack', () => {
    const file = newFile()
    const made = MetricStore.open(file)
    made.counter('chain_total').labels().add(1)
    made.close()
    const bytes = fs.readFileSync(file)
    const records = recordsOffset(bytes)
    const [metric, first] = rawRecords(bytes)
    const capacity = bytes.readUInt32LE(StoreField.DirectoryBytes * 4)
    // Series records of 24 bytes (no label values), each after the last, pointing to the one before.
    const links: number[] = []
    for (let at = first.offset + first.length, previous = first.offset; at + 24 <= capacity; previous = at, at += 24) {
      const start = records + at
      bytes.fill(0, start, start + 24)
      bytes.writeUInt32LE(24, start)
      bytes[start + 8] = 2
      bytes.writeUInt32LE(previous, start + 12)
      bytes.writeUInt32LE(1 + links.length, start + 16)
      bytes.writeUInt32LE(1, start + 20)
      fixRecordChecksum(bytes, at)
      links.push(at)
    }
    expect(links.length).toBeGreaterThan(10_000)
    // The last record in the first free table slots, so that a reader meets the end of the chain first.
    const table = bytes.readUInt32LE(StoreField.TableOffset * 4)
    let slot = 0
    for (const at of [...links].reverse()) {
      while (bytes.readUInt32LE(table + slot * 4) !== 0) slot++
      bytes.writeUInt32LE(at / 8 + 1, table + slot * 4)
    }
    bytes.writeUInt32LE(capacity - ((capacity - first.offset - first.length) % 24), StoreField.DirectoryBytesUsed * 4)
    bytes.writeUInt32LE(Math.min(1 + links.length, bytes.readUInt32LE(StoreField.Cells * 4)), StoreField.CellsUsed * 4)
    bytes.writeUInt32LE(bytes.readUInt32LE(StoreField.MaxSeries * 4), StoreField.SeriesUsed * 4)
    fs.writeFileSync(file, bytes)
    const last = links[links.length - 1]
    expect(metric.type).toBe('metric')
    expect(thrown(() => MetricStore.open(file))).toBe(
      `MetricStore.open(path, options): ${file} is corrupted: the directory record at byte ${last} points to the record at byte ${links[links.length - 2]}, which is not a metric`,
    )
  })

  it("a record with fewer strings than it holds is refused: a record's strings fill it exactly", () => {
    const file = newFile()
    const made = MetricStore.open(file)
    made.counter('labelled_total', { labelNames: ['k', 'l'] })
    made.close()
    const bytes = fs.readFileSync(file)
    const [metric] = rawRecords(bytes)
    const start = recordsOffset(bytes) + metric.offset
    bytes.writeUInt16LE(bytes.readUInt16LE(start + 10) - 1, start + 10)
    fixRecordChecksum(bytes, metric.offset)
    fs.writeFileSync(file, bytes)
    expect(thrown(() => MetricStore.open(file))).toMatch(
      new RegExp(
        `^MetricStore\\.open\\(path, options\\): ${file} is corrupted: the directory record at byte ${metric.offset} holds \\d+ bytes after its 3 strings; a record ends with its last string, padded with zeros to 8 bytes$`,
      ),
    )
  })
})

describe('label names beyond what a record holds', () => {
  it(`a metric takes at most ${MAX_LABEL_NAMES} label names; 65,536 are refused before anything is written, and the name stays free`, () => {
    // Room for all 65,536 names, so that only the count can refuse them (a record counts its strings in a u16).
    const { file, store } = storeWithCounts(newFile(), { capacity: { directoryBytes: 1 << 20 } })
    const before = store.usage()
    const names = (count: number) => Array.from({ length: count }, (_, at) => `l${at}`)
    expect(thrown(() => store.counter('wide_total', { labelNames: names(65_536) }))).toBe(
      `MetricStore.counter(name, options): the metric has 65536 label names; a metric has at most ${MAX_LABEL_NAMES}`,
    )
    expect(thrown(() => store.counter('wide_total', { labelNames: names(MAX_LABEL_NAMES + 1) }))).toContain(
      `a metric has at most ${MAX_LABEL_NAMES}`,
    )
    expect(store.usage()).toEqual(before)
    expect(store.collect().map((metric) => metric.name)).toEqual(['c_total', 'g'])
    const widest = store.counter('widest_total', { labelNames: names(MAX_LABEL_NAMES) })
    widest.labels(Object.fromEntries(names(MAX_LABEL_NAMES).map((name) => [name, name]))).add(3)
    const other = MetricStore.open(file)
    expect(other.counter('wide_total').labelNames).toEqual([])
    expect(other.collect().find((metric) => metric.name === 'widest_total')!.series[0].value).toBe(3n)
    other.close()
    store.close()
  })
})

describe('what a live process notices at its next collect()', () => {
  it('a record it has read, rewritten with its checksum made right', () => {
    const { file, store } = storeWithCounts()
    store.collect()
    const bytes = fs.readFileSync(file)
    const series = rawRecords(bytes).find((record) => record.type === 'series')!
    const value = recordsOffset(bytes) + series.offset + series.length - 8
    bytes[value] ^= 0x01
    fixRecordChecksum(bytes, series.offset)
    writeRange(file, bytes, recordsOffset(bytes) + series.offset, recordsOffset(bytes) + series.offset + series.length)
    for (const repeat of [1, 2]) {
      expect(
        thrown(() => store.collect()),
        `collect ${repeat}`,
      ).toBe(
        `MetricStore.collect(): ${file} is corrupted: the directory record at byte ${series.offset} was rewritten after it was published (records never change)`,
      )
    }
    store.close()
  })

  it('a table slot it has read, pointed elsewhere', () => {
    const { file, store } = storeWithCounts()
    const bytes = fs.readFileSync(file)
    const table = bytes.readUInt32LE(StoreField.TableOffset * 4)
    let slot = 0
    while (bytes.readUInt32LE(table + slot * 4) === 0) slot++
    const ref = bytes.readUInt32LE(table + slot * 4)
    bytes.writeUInt32LE(0, table + slot * 4)
    writeRange(file, bytes, table + slot * 4, table + slot * 4 + 4)
    expect(thrown(() => store.collect())).toBe(
      `MetricStore.collect(): ${file} is corrupted: its directory table slot ${slot} was rewritten after it was published (it held ${ref}, now 0)`,
    )
    store.close()
  })

  it('its header rewritten, checksum and all', () => {
    const { file, store } = storeWithCounts()
    setHeaderWord(file, StoreField.Checksum, headerWord(file, StoreField.Checksum) ^ 1)
    expect(thrown(() => store.collect())).toBe(
      `MetricStore.collect(): ${file} had its header rewritten by another process while this one had it open (its checksum no longer matches): remove the file (MetricStore.remove(path)) and open the store again`,
    )
    store.close()
  })
})

describe('a file shrunk and grown back between two calls (no access in between, so no SIGBUS)', () => {
  it('emptied and grown back: the next read says the counts are gone and how to delete the file', () => {
    const { file, store, a } = storeWithCounts()
    const size = fs.statSync(file).size
    fs.truncateSync(file, 0)
    fs.truncateSync(file, size)
    const problem =
      `${file} was emptied by another process while this one had it open (and perhaps grown back since): its counts and its header are gone; ` +
      'delete the file (`rm` it: without its header MetricStore.remove() cannot tell it from a file that is no store) and open the store again'
    expect(thrown(() => a.value())).toBe(`CounterSeries.value(): ${problem}`)
    expect(thrown(() => store.collect())).toBe(`MetricStore.collect(): ${problem}`)
    store.close()
    fs.rmSync(file)
    const fresh = MetricStore.open(file)
    expect(fresh.collect()).toEqual([])
    fresh.close()
  })

  it('cut after its header and grown back: the next read says the counts in the part cut off are gone, and remove() then takes the file', () => {
    const { file, store, counter } = storeWithCounts()
    const size = fs.statSync(file).size
    fs.truncateSync(file, 8192)
    fs.truncateSync(file, size)
    const problem =
      `${file} was shrunk by another process while this one had it open (and perhaps grown back since): the counts in the part cut off are gone, ` +
      'and the file no longer holds the store it was: remove the file (MetricStore.remove(path)) and open the store again'
    expect(thrown(() => store.collect())).toBe(`MetricStore.collect(): ${problem}`)
    expect(thrown(() => counter.labels({ k: 'b' }))).toBe(`c_total.labels(values): ${problem}`)
    expect(thrown(() => MetricStore.open(file))).toBe(
      `MetricStore.open(path, options): ${file} has lost its end: its last bytes are not the store trailer (shrunk and grown back, or not a whole store)`,
    )
    store.close()
    expect(MetricStore.remove(file)).toBe(true)
    const fresh = MetricStore.open(file)
    expect(fresh.collect()).toEqual([])
    fresh.close()
  })
})

describe('the store under random rewrites of what its checksums do not cover, and of what they do with the checksums made right', () => {
  it('either keeps every count it held, new series included, or refuses with an error naming the file', () => {
    const base = storeWithCounts()
    for (const k of ['b', 'c', 'd']) base.counter.labels({ k }).add(k.charCodeAt(0))
    base.store
      .histogram('h_seconds', { buckets: [1, 2] })
      .labels()
      .observe(1)
    const expected = counted(base.store)
    base.store.close()
    const pristine = fs.readFileSync(base.file)
    const records = rawRecords(pristine)
    const series = records.filter((record) => record.type === 'series')
    const limits: Record<number, number> = {
      [StoreField.CellsUsed]: pristine.readUInt32LE(StoreField.Cells * 4),
      [StoreField.DirectoryBytesUsed]: pristine.readUInt32LE(StoreField.DirectoryBytes * 4),
      [StoreField.SeriesUsed]: pristine.readUInt32LE(StoreField.MaxSeries * 4),
      [StoreField.MetricsUsed]: pristine.readUInt32LE(StoreField.MaxMetrics * 4),
    }
    // A forger who swaps two series' cells, checksums made right, makes a store no reader can tell from a
    // real one: what is checked is that no two series share a cell, so at most one series is moved a run.
    const rewrite = fc.record({
      // Allocation words set anywhere within their limits: rewound, unaligned, or ahead.
      words: fc.array(fc.record({ field: fc.constantFrom(...ALLOCATION_WORDS), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }), {
        maxLength: 4,
      }),
      // A series given another series' first cell (overlapping cells).
      overlap: fc.option(fc.record({ from: fc.nat(series.length - 1), to: fc.nat(series.length - 1) })),
      // A series pointed at another record as its metric (a chain, or a series of a series).
      chain: fc.option(fc.record({ from: fc.nat(series.length - 1), to: fc.nat(records.length - 1) })),
    })
    const file = newFile()
    let kept = 0
    fc.assert(
      fc.property(rewrite, ({ words, overlap, chain }) => {
        const bytes = Buffer.from(pristine)
        const start = recordsOffset(bytes)
        for (const { field, fraction } of words) bytes.writeUInt32LE(Math.floor(fraction * limits[field]), field * 4)
        if (overlap !== null) {
          bytes.writeUInt32LE(series[overlap.to].firstCell, start + series[overlap.from].offset + 16)
          fixRecordChecksum(bytes, series[overlap.from].offset)
        }
        if (chain !== null) {
          bytes.writeUInt32LE(records[chain.to].offset, start + series[chain.from].offset + 12)
          fixRecordChecksum(bytes, series[chain.from].offset)
        }
        fs.writeFileSync(file, bytes, { mode: 0o600 })
        let store: MetricStore
        try {
          store = MetricStore.open(file)
        } catch (error) {
          expect((error as Error).message).toContain(`MetricStore.open(path, options): ${file} `)
          return
        }
        try {
          const counter = store.counter('c_total', { labelNames: ['k'] })
          counter.labels({ k: 'new' }).add(1)
          store.counter('fresh_total').labels().add(2)
          expect(counted(store)).toEqual({ ...expected, 'c_total{"k":"new"}': 1n, 'fresh_total{}': 2n })
          kept++
        } catch (error) {
          expect(error).toBeInstanceOf(Error)
          expect((error as Error).message).toContain(` ${file} `)
        } finally {
          store.close()
        }
      }),
      { numRuns: 300 },
    )
    // Words moved ahead (capacity taken, nothing lost) leave stores that still count right.
    expect(kept).toBeGreaterThan(0)
  })
})
