// What a MetricStore and all its metrics and series share in one thread: the store's memory (its region,
// words and layout of cells), its directory, and whether it is still usable. Every error about the store
// goes through here, so each names the call and the store (its file, or "the in-process store").
import { native, type NativeLayout, type StoreRegion } from '../binding/chosen-binding'
import { StoreDirectory, StoreFullError, type MetricDefinition, type MetricRecord, type SeriesRecord } from './store-directory'
import {
  headerChecksumOf,
  intactness,
  STORE_MAGIC,
  storeEnds,
  StoreFormatError,
  type StoreDamage,
  type StoreEnds,
  type StoreGeometry,
} from '../layout/store-layout'
import type { StoreWords } from './store-words'

export class StoreCore {
  readonly geometry: StoreGeometry
  readonly directory: StoreDirectory
  /** The store's cells, bound once: every series' functions are made over it. */
  readonly layout: NativeLayout
  /** The file, or "the in-process store": how errors name the store. */
  readonly describe: string
  readonly region: StoreRegion
  readonly #words: StoreWords
  readonly #ends: StoreEnds
  /** The header's checksum when this process opened the store: its trailer must keep holding it. */
  readonly #checksum: number
  #sums = new BigInt64Array(64)
  #closed = false

  constructor(region: StoreRegion, buffer: ArrayBufferLike, geometry: StoreGeometry, words: StoreWords, describe: string) {
    this.region = region
    this.geometry = geometry
    this.#words = words
    this.#ends = storeEnds(buffer, geometry)
    this.#checksum = headerChecksumOf(buffer)
    this.describe = describe
    this.directory = new StoreDirectory(buffer, geometry, words)
    this.layout = native.bindStoreCells(
      region,
      geometry.rseqOffset,
      geometry.fallbackOffset,
      geometry.slots,
      geometry.stride,
      geometry.capacity.cells,
      geometry.index === 'cpu' ? 0 : 1,
    )
  }

  /**
   * Throws unless the store can be read and written: closed, its file shrank under this process (whether
   * or not it was grown back since), or (`thorough`) its header was rewritten.
   */
  check(caller: string, thorough = false): void {
    if (this.#closed) throw new Error(`${caller}: the MetricStore of ${this.describe} is closed (store.close() was called): open it again`)
    if (native.storeRegionState(this.region) === 'lost') {
      throw new Error(
        `${caller}: ${this.describe} was truncated by another process while this one had it mapped; this process's ` +
          `view of it was replaced by empty memory (adds since went nowhere): ${REOPEN}`,
      )
    }
    const damage = intactness(this.#ends, this.#checksum, thorough)
    if (damage !== null) throw new Error(`${caller}: ${this.describe} ${DAMAGE[damage]}`)
  }

  words(caller: string): StoreWords {
    this.check(caller)
    return this.#words
  }

  /** Runs `action` with the directory, turning its errors into ones that name `caller` and the store. */
  withDirectory<T>(caller: string, action: (directory: StoreDirectory) => T, thorough = false): T {
    this.check(caller, thorough)
    try {
      return action(this.directory)
    } catch (error) {
      if (error instanceof StoreFullError) {
        throw new RangeError(
          `${caller}: ${this.describe} is full: it ${error.message}; a store's capacity is fixed when it is made ` +
            '(make a new store with a larger `capacity`)',
          { cause: error },
        )
      }
      if (error instanceof StoreFormatError) throw new Error(`${caller}: ${this.describe} ${error.message}`, { cause: error })
      throw error
    }
  }

  metric(caller: string, definition: MetricDefinition): MetricRecord {
    return this.withDirectory(caller, (directory) => directory.metric(definition))
  }

  series(caller: string, metric: MetricRecord, values: string[]): SeriesRecord {
    return this.withDirectory(caller, (directory) => directory.series(metric, values))
  }

  /** Totals of cells [first, first + count) over every slot, in a scratch array valid until the next call. */
  sumCells(caller: string, first: number, count: number): BigInt64Array {
    this.check(caller)
    if (this.#sums.length < count) this.#sums = new BigInt64Array(Math.max(count, this.#sums.length * 2))
    if (!(Number.isInteger(first) && first >= 0 && first + count <= this.geometry.capacity.cells)) {
      throw new Error(`${caller}: ${this.describe} has no cells ${first}-${first + count - 1}; it has ${this.geometry.capacity.cells}`)
    }
    native.sumStoreCells(this.layout, first, count, this.#sums)
    return this.#sums
  }

  sumCell(caller: string, cell: number): bigint {
    return this.sumCells(caller, cell, 1)[0]
  }

  /** Where a gauge's value lives: its cell in fallback slot 0, a float64 written only atomically. */
  gaugeByteOffset(cell: number): number {
    return this.geometry.fallbackOffset + cell * 8
  }

  /**
   * A handle for the fast calls of the gauge at `byteOffset` (gaugeByteOffset()): refused natively where check()
   * would throw but for the header's checksum, which only a thorough check reads.
   */
  gaugeHandle(byteOffset: number): number {
    return native.gaugeHandle(this.layout, byteOffset, this.geometry.trailerOffset, STORE_MAGIC, this.#checksum)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    native.storeCloseRegion(this.region)
  }

  get closed(): boolean {
    return this.#closed
  }
}

const REOPEN = 'remove the file (MetricStore.remove(path)) and open the store again'

/** What each kind of damage means for the caller, and what to do: after the store's name. */
const DAMAGE: Record<StoreDamage, string> = {
  'end lost':
    'was shrunk by another process while this one had it open (and perhaps grown back since): the counts in the part cut off are ' +
    `gone, and the file no longer holds the store it was: ${REOPEN}`,
  emptied:
    'was emptied by another process while this one had it open (and perhaps grown back since): its counts and its header are gone; ' +
    'delete the file (`rm` it: without its header MetricStore.remove() cannot tell it from a file that is no store) and open the store again',
  'header rewritten': `had its header rewritten by another process while this one had it open (its checksum no longer matches): ${REOPEN}`,
}
