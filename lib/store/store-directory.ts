// A store's directory: which metrics and series it holds and where their cells are. Records are appended
// to the records area and published by one compare-and-exchange of an empty slot of an open-addressing
// hash table (linear probing, never deleted): a record is complete before anyone can reach it, and two
// processes creating the same series race for the same slot, so the loser finds the winner's record there
// and uses it. A process killed at any point leaves either a published, complete record or space nobody
// points to. Records are never changed once published, so every process caches what it has parsed, and
// keeps a copy of its bytes to find out at the next verify() whether another process rewrote it.
//
// What another process of the user can rewrite is checked where it is used: a record when it is first
// read (its checksum, its strings filling it exactly, a series' metric being a metric, its cells below the
// cells-used word and owned by no other series); the allocation words whenever one is taken from (never
// below what the records already read take, the directory word a multiple of 8); the table slots already
// read at every refresh(), the records already read at every verify().
//
// A record, 8-byte aligned (u32 fields little-endian):
//   0   length (bytes, a multiple of 8)      4   checksum (FNV-1a of the record but this field)
//   8   u8 type (1 metric, 2 series)          9   u8 kind (metric: 1 counter, 2 gauge, 3 histogram)
//   10  u16 strings                           12  metric: bound count | series: its metric's record offset
//   16  metric: f64 resolution, f64 bounds    | series: u32 first cell, u32 cell count
//   then the strings, each a u32 byte length and UTF-8 bytes: a metric's name, help and label names; a
//   series' label values, in its metric's label order.
import { Buffer } from 'node:buffer'
import { StoreCellClaims } from './store-cell-claims'
import { fnv1a, RECORD_ALIGNMENT, StoreField, StoreFormatError, type StoreGeometry } from '../layout/store-layout'
import { StoreRecordCopies } from './store-record-copies'
import type { StoreWords } from './store-words'

export type MetricKind = 'counter' | 'gauge' | 'histogram'

const KIND_CODES: Record<MetricKind, number> = { counter: 1, gauge: 2, histogram: 3 }
const KINDS: MetricKind[] = ['counter', 'gauge', 'histogram']
const METRIC = 1
const SERIES = 2
const RECORD_HEAD = 16
/** How much of the table refresh() compares at once: where they differ, it looks at each slot of the chunk. */
const TABLE_CHUNK_BYTES = 4096

/** Prometheus's names: what every exporter can carry. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
export const MAX_NAME_BYTES = 1024
export const MAX_TEXT_BYTES = 65536
/** Label names a metric may have: far below the 65,535 strings a record's u16 count can hold. */
export const MAX_LABEL_NAMES = 64

export interface MetricDefinition {
  kind: MetricKind
  name: string
  help: string
  labelNames: readonly string[]
  /** A histogram's bucket bounds and resolution; empty and 1 otherwise. */
  bounds: readonly number[]
  resolution: number
}

export interface MetricRecord extends MetricDefinition {
  /** Byte offset of the record in the records area: its identity in the store. */
  offset: number
  /** Cells per series: 1, or the bounds + 2 of a histogram (the sum, then a cell per bucket). */
  cellsPerSeries: number
}

export interface SeriesRecord {
  offset: number
  metric: MetricRecord
  values: readonly string[]
  /** The values by label name, frozen: what collect() and the series' `labels` give out. */
  labels: Readonly<Record<string, string>>
  firstCell: number
}

type StoreRecord = MetricRecord | SeriesRecord

export const cellsPerSeries = (kind: MetricKind, bounds: readonly number[]): number => (kind === 'histogram' ? bounds.length + 2 : 1)

const encoder = new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of a string, as it was when it was written (the default would strip it).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A string UTF-8 carries as it is: no lone surrogate (which would come back as U+FFFD, another string). */
export function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)
}

/** Records this thread wrote for a key another process or thread published first (for the tests). */
export const races = { lost: 0 }

/** A full store: the limit fixed at creation is reached. */
export class StoreFullError extends RangeError {}

export class StoreDirectory {
  readonly #geometry: StoreGeometry
  readonly #words: StoreWords
  readonly #bytes: Uint8Array
  readonly #view: DataView
  readonly #records = new Map<number, StoreRecord>()
  readonly #metricsByName = new Map<string, MetricRecord>()
  readonly #seriesByMetric = new Map<MetricRecord, SeriesRecord[]>()
  /** Each table slot's ref as this process read it (0: empty when last looked at); a filled slot never changes. */
  readonly #seenRefs: Uint32Array
  readonly #seenBytes: Uint8Array
  /** The store's table, as bytes: compared with #seenBytes a chunk at a time (memcmp) to find what changed. */
  readonly #tableBytes: Uint8Array
  readonly #claims = new StoreCellClaims()
  readonly #copies: StoreRecordCopies
  /** One past the last byte of any record read: the directory-bytes word is never below it. */
  #bytesEnd = 0
  #seriesCount = 0

  constructor(buffer: ArrayBufferLike, geometry: StoreGeometry, words: StoreWords) {
    this.#geometry = geometry
    this.#words = words
    this.#bytes = new Uint8Array(buffer, geometry.recordsOffset, geometry.capacity.directoryBytes)
    this.#view = new DataView(buffer, geometry.recordsOffset, geometry.capacity.directoryBytes)
    this.#seenRefs = new Uint32Array(geometry.tableSlots)
    this.#seenBytes = new Uint8Array(this.#seenRefs.buffer)
    this.#tableBytes = new Uint8Array(buffer, geometry.tableOffset, geometry.tableSlots * 4)
    this.#copies = new StoreRecordCopies(this.#bytes)
  }

  /**
   * Reads every record published since the last call, checking each; StoreFormatError on any corruption,
   * a table slot read before that changed since included. The whole table is looked at every time (the
   * allocation counts cannot say whether anything is new: another process can rewind them), a chunk at a
   * time against this process's copy: a memcmp of 4 bytes a slot, and a closer look where they differ.
   */
  refresh(): void {
    const fresh = this.#tableChanges()
    if (fresh.length === 0) return
    this.#words.acquire()
    // A slot counts as seen once its record is read: a corrupt one throws again at every refresh.
    for (const [slot, ref] of fresh) {
      this.#recordAt(ref)
      this.#seenRefs[slot] = ref
    }
    for (const series of this.#seriesByMetric.values()) series.sort((a, b) => a.offset - b.offset)
  }

  /** The table slots filled since this process last read them, as [slot, ref]; StoreFormatError for one that changed after it was read. */
  #tableChanges(): Array<[number, number]> {
    const live = this.#tableBytes
    const seen = this.#seenBytes
    const { u32 } = this.#words
    const first = this.#geometry.tableOffset / 4
    const fresh: Array<[number, number]> = []
    for (let from = 0; from < live.length; from += TABLE_CHUNK_BYTES) {
      const to = Math.min(from + TABLE_CHUNK_BYTES, live.length)
      if (Buffer.compare(live.subarray(from, to), seen.subarray(from, to)) === 0) continue
      for (let slot = from / 4; slot < to / 4; slot++) {
        const ref = Atomics.load(u32, first + slot)
        const held = this.#seenRefs[slot]
        if (ref === held) continue
        if (held !== 0) throw slotRewritten(slot, held, ref)
        fresh.push([slot, ref])
      }
    }
    return fresh
  }

  /**
   * Checks that no record this process has read changed since (refresh() checks the table slots).
   * StoreFormatError naming the first change found. Costs a memcmp of the records read.
   */
  verify(): void {
    const changed = this.#copies.changed()
    if (changed !== null) {
      throw new StoreFormatError(
        `is corrupted: the directory record at byte ${changed} was rewritten after it was published (records never change)`,
      )
    }
  }

  metrics(): MetricRecord[] {
    return [...this.#metricsByName.values()]
  }

  /** The series of `metric` this directory has read, in the order their records were written. */
  seriesOf(metric: MetricRecord): readonly SeriesRecord[] {
    return this.#seriesByMetric.get(metric) ?? []
  }

  /** The metric named `definition.name`, made if the store has none; its existing record otherwise. */
  metric(definition: MetricDefinition): MetricRecord {
    const known = this.#metricsByName.get(definition.name)
    if (known !== undefined) return known
    const nameBytes = encoder.encode(definition.name)
    const hash = fnv1a(nameBytes, 0, nameBytes.length, fnv1a(Uint8Array.of(METRIC)))
    return this.#publish(
      hash,
      (record) => 'kind' in record && record.name === definition.name,
      () => {
        const body = new DataView(new ArrayBuffer(8 + 8 * definition.bounds.length))
        body.setFloat64(0, definition.resolution, true)
        definition.bounds.forEach((bound, at) => body.setFloat64(8 + 8 * at, bound, true))
        const strings = [definition.name, definition.help, ...definition.labelNames]
        return this.#write(
          METRIC,
          KIND_CODES[definition.kind],
          definition.bounds.length,
          body,
          strings,
          StoreField.MetricsUsed,
          'metrics',
          0,
        )
      },
    ) as MetricRecord
  }

  /** The series of `metric` with label values `values` (in label-name order), made if the store has none. */
  series(metric: MetricRecord, values: readonly string[]): SeriesRecord {
    const key = new DataView(new ArrayBuffer(5))
    key.setUint8(0, SERIES)
    key.setUint32(1, metric.offset, true)
    let hash = fnv1a(new Uint8Array(key.buffer))
    for (const value of values) {
      const bytes = encoder.encode(value)
      hash = fnv1a(
        Uint8Array.of(bytes.length & 0xff, (bytes.length >>> 8) & 0xff, (bytes.length >>> 16) & 0xff, bytes.length >>> 24),
        0,
        4,
        hash,
      )
      hash = fnv1a(bytes, 0, bytes.length, hash)
    }
    return this.#publish(
      hash,
      (record) => 'metric' in record && record.metric === metric && record.values.every((value, at) => value === values[at]),
      () => this.#write(SERIES, 0, metric.offset, null, [...values], StoreField.SeriesUsed, 'series', metric.cellsPerSeries),
    ) as SeriesRecord
  }

  /**
   * Finds the record that `matches` along the probe sequence of `hash`, or publishes the one `make` writes
   * into the first empty slot. Losing that slot to another process means looking at what it put there.
   */
  #publish(hash: number, matches: (record: StoreRecord) => boolean, make: () => Written): StoreRecord {
    const { tableSlots, tableOffset } = this.#geometry
    const u32 = this.#words.u32
    let mine: Written | null = null
    for (let probe = 0; probe < tableSlots; probe++) {
      const slot = (hash + probe) & (tableSlots - 1)
      let ref = Atomics.load(u32, tableOffset / 4 + slot)
      if (ref === 0) {
        if (mine === null) {
          // Every record published so far is read first, so that the allocation words are checked against
          // all of them (a word rewound below a record this process had not read would go unnoticed).
          this.refresh()
          mine = make()
        }
        ref = this.#words.compareExchange32(tableOffset + slot * 4, 0, mine.ref)
        if (ref === 0) {
          if (this.#records.has(mine.ref)) {
            throw new StoreFormatError(
              `is corrupted: the directory record at byte ${mine.offset} was written over a published one (its directory-bytes word was rewound)`,
            )
          }
          const published = this.#recordAt(mine.ref)
          this.#seenRefs[slot] = mine.ref
          if ('metric' in published) this.#seriesByMetric.get(published.metric)!.sort((a, b) => a.offset - b.offset)
          return published
        }
      }
      this.#words.acquire()
      let record: StoreRecord
      try {
        record = this.#recordAt(ref)
      } catch (error) {
        if (mine !== null) this.#giveBack(mine)
        throw error
      }
      const held = this.#seenRefs[slot]
      if (held !== 0 && held !== ref) throw slotRewritten(slot, held, ref)
      this.#seenRefs[slot] = ref
      if (matches(record)) {
        if (mine !== null) {
          races.lost++
          this.#giveBack(mine)
        }
        return record
      }
    }
    throw new StoreFullError('its directory table is full')
  }

  /**
   * Takes the record's count, its cells and its bytes, and writes it: nothing points to it yet. A process
   * killed in here leaves those taken and unused, never a record anyone can see.
   */
  #write(
    type: number,
    kind: number,
    extra: number,
    body: DataView | null,
    strings: string[],
    countField: number,
    countName: string,
    cells: number,
  ): Written {
    const encoded = strings.map((text) => encoder.encode(text))
    const bodyBytes = type === SERIES ? 8 : body!.byteLength
    const length = Math.ceil((RECORD_HEAD + bodyBytes + encoded.reduce((total, bytes) => total + 4 + bytes.length, 0)) / 8) * 8
    const { capacity } = this.#geometry
    // Unreachable through definitionProblem()'s MAX_LABEL_NAMES: a record counts its strings in a u16.
    if (strings.length > 0xffff)
      throw new RangeError(`a directory record holds at most 65,535 strings, and this one would hold ${strings.length}`)
    this.#take(countField, 1, type === SERIES ? capacity.series : capacity.metrics, countName)
    let firstCell = 0
    let cellsTaken = 0
    let offset: number
    try {
      if (cells > 0) {
        firstCell = this.#take(StoreField.CellsUsed, cells, capacity.cells, 'cells')
        cellsTaken = cells
      }
      offset = this.#take(StoreField.DirectoryBytesUsed, length, capacity.directoryBytes, 'directory bytes')
    } catch (error) {
      // What was taken before the store said no is given back: a full store stays as full as it was.
      this.#giveBack({ ref: 0, countField, firstCell, cells: cellsTaken, offset: 0, length: 0 })
      throw error
    }
    const record = new Uint8Array(length)
    const view = new DataView(record.buffer)
    view.setUint32(0, length, true)
    view.setUint8(8, type)
    view.setUint8(9, kind)
    view.setUint16(10, strings.length, true)
    view.setUint32(12, extra, true)
    if (type === SERIES) {
      view.setUint32(16, firstCell, true)
      view.setUint32(20, cells, true)
    } else {
      record.set(new Uint8Array(body!.buffer), RECORD_HEAD)
    }
    let at = RECORD_HEAD + bodyBytes
    for (const bytes of encoded) {
      view.setUint32(at, bytes.length, true)
      record.set(bytes, at + 4)
      at += 4 + bytes.length
    }
    view.setUint32(4, recordChecksum(record, 0, length), true)
    this.#bytes.set(record, offset)
    return { ref: offset / 8 + 1, countField, firstCell, cells, offset, length }
  }

  /**
   * Bump-allocates `amount` from the allocation word `field`, below `limit`; StoreFullError when it does not
   * fit, StoreFormatError when the word was rewound below what published records take, or is unaligned.
   */
  #take(field: number, amount: number, limit: number, what: string): number {
    const u32 = this.#words.u32
    const taken = this.#takenBy(field)
    for (;;) {
      const used = Atomics.load(u32, field)
      if (used > limit) throw new StoreFormatError(`is corrupted: it counts ${used} ${what} used of ${limit}`)
      if (used < taken) {
        throw new StoreFormatError(
          `is corrupted: it counts ${used} ${what} used, fewer than the ${taken} its published records take (another process rewound the count)`,
        )
      }
      if (field === StoreField.DirectoryBytesUsed && used % RECORD_ALIGNMENT !== 0) {
        throw new StoreFormatError(
          `is corrupted: it counts ${used} directory bytes used, not a multiple of ${RECORD_ALIGNMENT} as every record is`,
        )
      }
      if (used + amount > limit) {
        throw new StoreFullError(`has no room left for ${amount} more ${what} (${used} of ${limit} used)`)
      }
      if (this.#words.compareExchange32(field * 4, used, used + amount) === used) return used
    }
  }

  /** How much of the allocation word `field` the records this process has read take: the least it may hold. */
  #takenBy(field: number): number {
    switch (field) {
      case StoreField.CellsUsed:
        return this.#claims.end
      case StoreField.DirectoryBytesUsed:
        return this.#bytesEnd
      case StoreField.SeriesUsed:
        return this.#seriesCount
      default:
        return this.#metricsByName.size
    }
  }

  /**
   * Gives back what a record that lost its race took: its count always, its cells and bytes when nothing
   * was allocated after them (otherwise they stay unused; the store's capacity is what it loses).
   */
  #giveBack(written: Written): void {
    const words = this.#words
    for (;;) {
      const used = Atomics.load(words.u32, written.countField)
      if (used === 0 || words.compareExchange32(written.countField * 4, used, used - 1) === used) break
    }
    if (written.length > 0) words.compareExchange32(StoreField.DirectoryBytesUsed * 4, written.offset + written.length, written.offset)
    if (written.cells > 0) words.compareExchange32(StoreField.CellsUsed * 4, written.firstCell + written.cells, written.firstCell)
  }

  /** The record `ref` points to, parsed and checked once; StoreFormatError naming what is wrong. */
  #recordAt(ref: number): StoreRecord {
    const cached = this.#records.get(ref)
    if (cached !== undefined) return cached
    const offset = (ref - 1) * 8
    const corrupt = (problem: string): never => {
      throw new StoreFormatError(`is corrupted: the directory record at byte ${offset} ${problem}`)
    }
    const size = this.#geometry.capacity.directoryBytes
    if (ref < 1 || offset + RECORD_HEAD > size) return corrupt('lies outside the directory')
    const view = this.#view
    const length = view.getUint32(offset, true)
    if (length < RECORD_HEAD + 8 || length % 8 !== 0 || offset + length > size) return corrupt(`has an impossible length ${length}`)
    if (view.getUint32(offset + 4, true) !== recordChecksum(this.#bytes, offset, offset + length)) return corrupt('fails its checksum')
    const used = Atomics.load(this.#words.u32, StoreField.DirectoryBytesUsed)
    if (offset + length > used)
      return corrupt(`ends at byte ${offset + length}, beyond the ${used} directory bytes the store counts as used (the count was rewound)`)
    const type = view.getUint8(offset + 8)
    const stringCount = view.getUint16(offset + 10, true)
    const extra = view.getUint32(offset + 12, true)
    // Every string is read, then the record must end there: its length rounded up to 8 bytes of zeros.
    const strings = (at: number): string[] => {
      const texts: string[] = []
      for (let index = 0; index < stringCount; index++) {
        if (at + 4 > offset + length) return corrupt('ends inside its strings')
        const bytes = view.getUint32(at, true)
        if (at + 4 + bytes > offset + length) return corrupt('ends inside its strings')
        try {
          texts.push(decoder.decode(this.#bytes.subarray(at + 4, at + 4 + bytes)))
        } catch {
          return corrupt('holds a string that is not UTF-8')
        }
        at += 4 + bytes
      }
      if (
        Math.ceil((at - offset) / RECORD_ALIGNMENT) * RECORD_ALIGNMENT !== length ||
        this.#bytes.subarray(at, offset + length).some((byte) => byte !== 0)
      ) {
        return corrupt(
          `holds ${offset + length - at} bytes after its ${stringCount} strings; a record ends with its last string, padded with zeros to ${RECORD_ALIGNMENT} bytes`,
        )
      }
      return texts
    }
    let record: StoreRecord
    if (type === METRIC) {
      const kind = KINDS[view.getUint8(offset + 9) - 1]
      if (kind === undefined) return corrupt(`has an unknown metric kind ${view.getUint8(offset + 9)}`)
      if (kind !== 'histogram' && extra !== 0) return corrupt(`gives a ${kind} bucket bounds`)
      if (RECORD_HEAD + 8 + 8 * extra > length) return corrupt('ends inside its bounds')
      const resolution = view.getFloat64(offset + RECORD_HEAD, true)
      const bounds = Array.from({ length: extra }, (_, at) => view.getFloat64(offset + RECORD_HEAD + 8 + 8 * at, true))
      const texts = strings(offset + RECORD_HEAD + 8 + 8 * extra)
      if (texts.length < 2) return corrupt('has no name or help')
      const [name, help, ...labelNames] = texts
      const problem = definitionProblem({ kind, name, help, labelNames, bounds, resolution })
      if (problem !== null) return corrupt(`defines a metric that ${problem}`)
      const metric: MetricRecord = {
        offset,
        kind,
        name,
        help,
        labelNames,
        bounds,
        resolution,
        cellsPerSeries: cellsPerSeries(kind, bounds),
      }
      if (this.#metricsByName.has(name)) return corrupt(`defines ${name} a second time`)
      const metricsUsed = Atomics.load(this.#words.u32, StoreField.MetricsUsed)
      if (this.#metricsByName.size + 1 > metricsUsed)
        return corrupt(
          `is metric ${this.#metricsByName.size + 1}, but the store counts ${metricsUsed} metrics used (the count was rewound)`,
        )
      this.#metricsByName.set(name, metric)
      this.#seriesByMetric.set(metric, [])
      record = metric
    } else if (type === SERIES) {
      // A metric's record is always written before any of its series' (a series needs its published offset).
      if (extra % RECORD_ALIGNMENT !== 0 || extra >= offset) return corrupt('points to a metric record that cannot be its metric')
      // The record pointed to must be a metric before it is read: reading a series' series would recurse.
      if (view.getUint8(extra + 8) !== METRIC) return corrupt(`points to the record at byte ${extra}, which is not a metric`)
      const metric = this.#recordAt(extra / 8 + 1) as MetricRecord
      const firstCell = view.getUint32(offset + RECORD_HEAD, true)
      const cells = view.getUint32(offset + RECORD_HEAD + 4, true)
      if (cells !== metric.cellsPerSeries)
        return corrupt(`has ${cells} cells where a series of ${metric.name} has ${metric.cellsPerSeries}`)
      if (firstCell + cells > this.#geometry.capacity.cells) return corrupt("has cells beyond the store's")
      const cellsUsed = Atomics.load(this.#words.u32, StoreField.CellsUsed)
      if (firstCell + cells > cellsUsed)
        return corrupt(
          `has cells up to ${firstCell + cells - 1}, beyond the ${cellsUsed} cells the store counts as used (the count was rewound)`,
        )
      const seriesUsed = Atomics.load(this.#words.u32, StoreField.SeriesUsed)
      if (this.#seriesCount + 1 > seriesUsed)
        return corrupt(`is series ${this.#seriesCount + 1}, but the store counts ${seriesUsed} series used (the count was rewound)`)
      const values = strings(offset + RECORD_HEAD + 8)
      if (values.length !== metric.labelNames.length)
        return corrupt(`has ${values.length} label values for the ${metric.labelNames.length} labels of ${metric.name}`)
      const shared = this.#claims.claim(firstCell, cells)
      if (shared !== null)
        return corrupt(
          `has cell ${shared}, which another series has too (the cells-used count was rewound, so two series were given one cell)`,
        )
      const labels = Object.freeze(Object.fromEntries(metric.labelNames.map((name, at) => [name, values[at]])))
      const series: SeriesRecord = { offset, metric, values, labels, firstCell }
      this.#seriesCount++
      this.#seriesByMetric.get(metric)!.push(series)
      record = series
    } else {
      return corrupt(`has an unknown type ${type}`)
    }
    this.#records.set(ref, record)
    this.#copies.keep(offset, length)
    this.#bytesEnd = Math.max(this.#bytesEnd, offset + length)
    return record
  }
}

interface Written {
  ref: number
  countField: number
  firstCell: number
  cells: number
  offset: number
  length: number
}

function slotRewritten(slot: number, held: number, now: number): StoreFormatError {
  return new StoreFormatError(
    `is corrupted: its directory table slot ${slot} was rewritten after it was published (it held ${held}, now ${now})`,
  )
}

function recordChecksum(bytes: Uint8Array, start: number, end: number): number {
  return fnv1a(bytes, start + 8, end, fnv1a(bytes, start, start + 4))
}

/** What is wrong with a metric's definition, as a clause, or null. Shared by declarations and stored records. */
export function definitionProblem(definition: MetricDefinition): string | null {
  const { kind, name, help, labelNames, bounds, resolution } = definition
  if (!METRIC_NAME.test(name) || encoder.encode(name).length > MAX_NAME_BYTES) {
    return `is named ${JSON.stringify(name)}, not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, at most ${MAX_NAME_BYTES} bytes)`
  }
  if (encoder.encode(help).length > MAX_TEXT_BYTES) return `has a help text over ${MAX_TEXT_BYTES} bytes`
  if (!wellFormed(help)) return 'has a help text with a lone surrogate'
  if (labelNames.length > MAX_LABEL_NAMES) return `has ${labelNames.length} label names; a metric has at most ${MAX_LABEL_NAMES}`
  const seen = new Set<string>()
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__') || encoder.encode(label).length > MAX_NAME_BYTES) {
      return `has a label named ${JSON.stringify(label)}, not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)`
    }
    if (kind === 'histogram' && label === 'le') return 'uses the label le, which a histogram keeps for its buckets'
    if (seen.has(label)) return `names the label ${label} twice`
    seen.add(label)
  }
  if (kind === 'histogram') {
    if (bounds.length === 0 || !(Number.isFinite(resolution) && resolution > 0)) return 'has no buckets or no valid resolution'
    if (!bounds.every((bound, at) => Number.isFinite(bound) && (at === 0 || bound > bounds[at - 1])))
      return 'has bounds that are not finite and increasing'
  }
  return null
}
