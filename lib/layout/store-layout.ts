// The memory layout of a metric store (lib/store/metric-store.ts), the same in a SharedArrayBuffer (an
// in-process store) and in a file (a host-wide store); all words little-endian:
//   [0, 256)         header: fixed fields (u32, and the creation time as a float64), then a checksum of
//                    them; from byte 128, the allocation
//                    words that change (cells, directory bytes, series and metrics used), on their own line
//   table            `tableSlots` u32 words, the directory's hash table: 0 for empty, else a record's
//                    offset in the records area / 8 + 1 (lib/store/store-directory.ts)
//   records          `directoryBytes` of directory records, appended and never changed once published
//   rseq slots       `slots` x `stride` bytes: each CPU's cells, written only by restartable sequences
//   fallback slots   `slots` x `stride` bytes: the same cells written only with atomics (threads without
//                    rseq, the portable path) and, in fallback slot 0, each gauge's value as a float64
//   padding          to a whole number of pages (host-wide)
//   trailer          the last 8 bytes: the store magic and the header's checksum. A file shrunk by any
//                    amount loses its last page, so a store shrunk and grown back again between two reads
//                    (which no SIGBUS reveals) is known by its trailer being gone.
// Keeping the two kinds of writers on separate slots is what keeps a store exact whichever mix of
// processes writes it (docs/store.md). Every region starts on a 128-byte boundary; `stride` is a multiple
// of 128, so no two CPUs share a cache line or an adjacent-line pair.
// Pure: the machine a store is checked against (its page size, its possible CPUs) is a parameter.

export const STORE_MAGIC = 0x6d717372 // "rsqm" in little-endian bytes
export const STORE_VERSION = 2
/** The trailer: two u32 words at the very end of a store (its magic, then its header's checksum). */
export const STORE_TRAILER_BYTES = 8
export const STORE_HEADER_BYTES = 256
const ALIGNMENT = 128
/** Directory records start and end on 8-byte boundaries (lib/store/store-directory.ts). */
export const RECORD_ALIGNMENT = 8

/** u32 word indices of the header. Fixed ones are covered by the checksum; the rest change as the store fills. */
export const StoreField = {
  Magic: 0,
  Version: 1,
  HeaderBytes: 2,
  /** The page size of the machine that made a host-wide store; 0 in an in-process one. */
  PageSize: 3,
  Slots: 4,
  /** 0: slots by CPU; 1: by mm_cid (in-process stores only). */
  Index: 5,
  /** 0: in-process; 1: host-wide. */
  Scope: 6,
  MaxSeries: 7,
  MaxMetrics: 8,
  TableSlots: 9,
  DirectoryBytes: 10,
  /** Cells per slot: the capacity in cells. */
  Cells: 11,
  Stride: 12,
  TableOffset: 13,
  RecordsOffset: 14,
  RseqOffset: 15,
  FallbackOffset: 16,
  TotalBytes: 17,
  /** Words 18 and 19: when the store was made, a float64 of milliseconds since the epoch. */
  CreatedAt: 18,
  /** FNV-1a of the fixed fields above. */
  Checksum: 20,
  CellsUsed: 32,
  DirectoryBytesUsed: 33,
  SeriesUsed: 34,
  MetricsUsed: 35,
} as const

const FIXED_FIELDS = StoreField.Checksum

export type StoreScope = 'in-process' | 'host-wide'
export type StoreIndex = 'cpu' | 'mmcid'

/** What a store can hold, fixed when it is made. */
export interface StoreCapacity {
  /** Series (one per label set of each metric); default 4096. */
  series: number
  /** Metric names; default 256. */
  metrics: number
  /** int64 cells per CPU: 1 per counter or gauge series, buckets + 2 per histogram series; default 16384. */
  cells: number
  /** Bytes for names, help texts, label names and values, and bucket bounds; default 262144. */
  directoryBytes: number
}

export const DEFAULT_CAPACITY: Readonly<StoreCapacity> = Object.freeze({ series: 4096, metrics: 256, cells: 16384, directoryBytes: 262144 })

/** Where everything is, derived from the capacity and the machine; the header holds the same numbers. */
export interface StoreGeometry {
  /** When the store was made, in milliseconds since the epoch: where every series' count started. */
  createdAt: number
  scope: StoreScope
  index: StoreIndex
  pageSize: number
  slots: number
  capacity: StoreCapacity
  tableSlots: number
  stride: number
  tableOffset: number
  recordsOffset: number
  rseqOffset: number
  fallbackOffset: number
  /** Where the trailer is: the last STORE_TRAILER_BYTES of the store. */
  trailerOffset: number
  totalBytes: number
}

const alignUp = (value: number, to: number): number => Math.ceil(value / to) * to

export function geometryOf(
  scope: StoreScope,
  index: StoreIndex,
  capacity: StoreCapacity,
  slots: number,
  pageSize: number,
  createdAt = Date.now(),
): StoreGeometry {
  let tableSlots = 16
  while (tableSlots < 2 * (capacity.series + capacity.metrics)) tableSlots *= 2
  const stride = alignUp(capacity.cells * 8, ALIGNMENT)
  const tableOffset = STORE_HEADER_BYTES
  const recordsOffset = alignUp(tableOffset + tableSlots * 4, ALIGNMENT)
  const rseqOffset = alignUp(recordsOffset + capacity.directoryBytes, ALIGNMENT)
  const fallbackOffset = rseqOffset + slots * stride
  const end = fallbackOffset + slots * stride + STORE_TRAILER_BYTES
  const totalBytes = pageSize > 0 ? alignUp(end, pageSize) : end
  const trailerOffset = totalBytes - STORE_TRAILER_BYTES
  return {
    createdAt,
    scope,
    index,
    pageSize,
    slots,
    capacity,
    tableSlots,
    stride,
    tableOffset,
    recordsOffset,
    rseqOffset,
    fallbackOffset,
    trailerOffset,
    totalBytes,
  }
}

/** FNV-1a (32 bits) over bytes: the header's and the records' checksum, and the directory's hash. */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0x811c9dc5): number {
  let hash = seed
  for (let at = start; at < end; at++) hash = Math.imul(hash ^ bytes[at], 0x01000193) >>> 0
  return hash
}

function headerChecksum(buffer: ArrayBufferLike): number {
  return fnv1a(new Uint8Array(buffer, 0, FIXED_FIELDS * 4))
}

/** Writes the header of a new store into zeroed memory. */
export function writeHeader(buffer: ArrayBufferLike, geometry: StoreGeometry): void {
  const header = new Uint32Array(buffer, 0, STORE_HEADER_BYTES / 4)
  const { capacity } = geometry
  header[StoreField.Magic] = STORE_MAGIC
  header[StoreField.Version] = STORE_VERSION
  header[StoreField.HeaderBytes] = STORE_HEADER_BYTES
  header[StoreField.PageSize] = geometry.pageSize
  header[StoreField.Slots] = geometry.slots
  header[StoreField.Index] = geometry.index === 'cpu' ? 0 : 1
  header[StoreField.Scope] = geometry.scope === 'in-process' ? 0 : 1
  header[StoreField.MaxSeries] = capacity.series
  header[StoreField.MaxMetrics] = capacity.metrics
  header[StoreField.TableSlots] = geometry.tableSlots
  header[StoreField.DirectoryBytes] = capacity.directoryBytes
  header[StoreField.Cells] = capacity.cells
  header[StoreField.Stride] = geometry.stride
  header[StoreField.TableOffset] = geometry.tableOffset
  header[StoreField.RecordsOffset] = geometry.recordsOffset
  header[StoreField.RseqOffset] = geometry.rseqOffset
  header[StoreField.FallbackOffset] = geometry.fallbackOffset
  header[StoreField.TotalBytes] = geometry.totalBytes
  new DataView(buffer).setFloat64(StoreField.CreatedAt * 4, geometry.createdAt, true)
  header[StoreField.Checksum] = headerChecksum(buffer)
  const trailer = new Uint32Array(buffer, geometry.trailerOffset, 2)
  trailer[0] = STORE_MAGIC
  trailer[1] = header[StoreField.Checksum]
}

/** How an opened store's memory can have stopped holding that store (intactness()). */
export type StoreDamage = 'end lost' | 'emptied' | 'header rewritten'

/**
 * Whether the memory of an opened store still holds that store: null, or how it does not. Its trailer gone
 * means the file was shrunk (and perhaps grown back: no SIGBUS tells); its magic gone too, that it was
 * emptied. `thorough` also checks the header's checksum (80 bytes hashed); without it, two loads.
 */
export function intactness(views: StoreEnds, checksum: number, thorough: boolean): StoreDamage | null {
  const { header, trailer } = views
  if (Atomics.load(trailer, 0) !== STORE_MAGIC || Atomics.load(trailer, 1) !== checksum) {
    return Atomics.load(header, StoreField.Magic) === STORE_MAGIC ? 'end lost' : 'emptied'
  }
  if (thorough && (header[StoreField.Checksum] !== checksum || headerChecksum(header.buffer) !== checksum)) return 'header rewritten'
  return null
}

/** A store's header and trailer words, made once per opened store: what intactness() reads. */
export interface StoreEnds {
  header: Uint32Array
  trailer: Uint32Array
}

export function storeEnds(buffer: ArrayBufferLike, geometry: StoreGeometry): StoreEnds {
  return { header: new Uint32Array(buffer, 0, STORE_HEADER_BYTES / 4), trailer: new Uint32Array(buffer, geometry.trailerOffset, 2) }
}

/** The checksum in a store's header, as opened: what intactProblem() checks the store against. */
export const headerChecksumOf = (buffer: ArrayBufferLike): number => new Uint32Array(buffer, 0, STORE_HEADER_BYTES / 4)[StoreField.Checksum]

/**
 * The geometry a store's header describes, checked against the memory it came in and this machine; throws
 * the problem as a sentence about the store (the caller names it: a file, or `buffer`).
 */
/** The machine a store must have been laid out for: its page size (host-wide stores) and possible CPUs. */
export interface StoreMachine {
  pageSize: number
  possibleCpus: number
}

export function readHeader(
  buffer: ArrayBufferLike,
  scope: StoreScope,
  { pageSize: machinePageSize, possibleCpus }: StoreMachine,
): StoreGeometry {
  const fail = (problem: string): never => {
    throw new StoreFormatError(problem)
  }
  if (buffer.byteLength < STORE_HEADER_BYTES)
    return fail(`is ${buffer.byteLength} bytes, shorter than a store's ${STORE_HEADER_BYTES}-byte header`)
  const header = new Uint32Array(buffer, 0, STORE_HEADER_BYTES / 4)
  if (header[StoreField.Magic] !== STORE_MAGIC) return fail('is not a metric store (it does not start with the store magic)')
  if (header[StoreField.Version] !== STORE_VERSION) {
    return fail(
      `has store format version ${header[StoreField.Version]}; this package reads version ${STORE_VERSION} (a store is read by the package version that made it)`,
    )
  }
  if (header[StoreField.Checksum] !== headerChecksum(buffer)) return fail('has a corrupted header (its checksum does not match)')
  const storedScope: StoreScope = header[StoreField.Scope] === 0 ? 'in-process' : 'host-wide'
  if (header[StoreField.Scope] > 1 || storedScope !== scope)
    return fail(`is ${header[StoreField.Scope] > 1 ? 'of an unknown scope' : `an ${storedScope} store`}, not a ${scope} one`)
  const indexCode = header[StoreField.Index]
  if (indexCode > 1) return fail(`has an unknown index kind ${indexCode}`)
  const index: StoreIndex = indexCode === 0 ? 'cpu' : 'mmcid'
  if (scope === 'host-wide' && index !== 'cpu')
    return fail('is indexed by mm_cid, which is per process; a host-wide store is indexed by CPU')
  const pageSize = header[StoreField.PageSize]
  if (scope === 'host-wide' && pageSize !== machinePageSize) {
    return fail(`was laid out for ${pageSize}-byte pages; this machine's are ${machinePageSize} bytes`)
  }
  const slots = header[StoreField.Slots]
  if (slots !== possibleCpus) return fail(`has ${slots} CPU slots; this machine has ${possibleCpus} possible CPUs`)
  const capacity: StoreCapacity = {
    series: header[StoreField.MaxSeries],
    metrics: header[StoreField.MaxMetrics],
    cells: header[StoreField.Cells],
    directoryBytes: header[StoreField.DirectoryBytes],
  }
  const problem = capacityProblem(capacity)
  if (problem !== null) return fail(`has an impossible capacity: ${problem}`)
  const createdAt = new DataView(buffer).getFloat64(StoreField.CreatedAt * 4, true)
  if (!(Number.isFinite(createdAt) && createdAt > 0)) return fail(`has an impossible creation time ${createdAt}`)
  const geometry = geometryOf(scope, index, capacity, slots, pageSize, createdAt)
  const recorded: Array<[keyof StoreGeometry, number]> = [
    ['tableSlots', StoreField.TableSlots],
    ['stride', StoreField.Stride],
    ['tableOffset', StoreField.TableOffset],
    ['recordsOffset', StoreField.RecordsOffset],
    ['rseqOffset', StoreField.RseqOffset],
    ['fallbackOffset', StoreField.FallbackOffset],
    ['totalBytes', StoreField.TotalBytes],
  ]
  for (const [name, field] of recorded) {
    if (header[field] !== geometry[name])
      return fail(`has a header whose ${name} (${header[field]}) does not follow from its capacity (${geometry[name]})`)
  }
  if (geometry.totalBytes !== buffer.byteLength) {
    return fail(`is ${buffer.byteLength} bytes but its header describes ${geometry.totalBytes} (truncated, or not a whole store)`)
  }
  const trailer = new Uint32Array(buffer, geometry.trailerOffset, 2)
  if (trailer[0] !== STORE_MAGIC || trailer[1] !== header[StoreField.Checksum]) {
    return fail('has lost its end: its last bytes are not the store trailer (shrunk and grown back, or not a whole store)')
  }
  const used: Array<[string, number, number]> = [
    ['cells', StoreField.CellsUsed, capacity.cells],
    ['directory bytes', StoreField.DirectoryBytesUsed, capacity.directoryBytes],
    ['series', StoreField.SeriesUsed, capacity.series],
    ['metrics', StoreField.MetricsUsed, capacity.metrics],
  ]
  for (const [name, field, limit] of used) {
    if (Atomics.load(header, field) > limit) return fail(`is corrupted: it counts ${Atomics.load(header, field)} ${name} used of ${limit}`)
  }
  const directoryUsed = Atomics.load(header, StoreField.DirectoryBytesUsed)
  if (directoryUsed % RECORD_ALIGNMENT !== 0)
    return fail(`is corrupted: it counts ${directoryUsed} directory bytes used, not a multiple of ${RECORD_ALIGNMENT} as every record is`)
  return geometry
}

const LIMITS: Record<keyof StoreCapacity, [number, number]> = {
  series: [1, 1 << 24],
  metrics: [1, 1 << 20],
  cells: [1, 1 << 24],
  directoryBytes: [1024, 1 << 30],
}

function capacityProblem(capacity: StoreCapacity): string | null {
  for (const name of Object.keys(LIMITS) as Array<keyof StoreCapacity>) {
    const [low, high] = LIMITS[name]
    const value = capacity[name]
    if (!Number.isInteger(value) || value < low || value > high)
      return `\`${name}\` must be an integer from ${low} to ${high}, got ${value}`
  }
  if (capacity.directoryBytes % RECORD_ALIGNMENT !== 0)
    return `\`directoryBytes\` must be a multiple of ${RECORD_ALIGNMENT}, got ${capacity.directoryBytes}`
  return null
}

/**
 * The capacity a caller asked for, over the defaults, from the option's own properties (a key is a capacity
 * only as an own key of the defaults: `constructor` is as unknown as a typo); RangeError/TypeError naming it.
 */
export function readCapacity(option: unknown, caller: string, possibleCpus: number): StoreCapacity {
  if (option === undefined) return { ...DEFAULT_CAPACITY }
  if (option === null || typeof option !== 'object') throw new TypeError(`${caller}: \`options.capacity\` must be an object`)
  const capacity = { ...DEFAULT_CAPACITY }
  for (const [name, value] of Object.entries(option)) {
    if (!Object.hasOwn(DEFAULT_CAPACITY, name)) {
      throw new TypeError(`${caller}: \`options.capacity.${name}\` is not a capacity; they are ${Object.keys(DEFAULT_CAPACITY).join(', ')}`)
    }
    if (value !== undefined) {
      if (typeof value !== 'number') throw new TypeError(`${caller}: \`options.capacity.${name}\` must be a number`)
      capacity[name as keyof StoreCapacity] = value
    }
  }
  const problem = capacityProblem(capacity)
  if (problem !== null) throw new RangeError(`${caller}: \`options.capacity\`: ${problem.replace(/^`(\w+)`/, '`$1`')}`)
  if (geometryOf('host-wide', 'cpu', capacity, possibleCpus, 65536).totalBytes > 2 ** 32 - 65536) {
    throw new RangeError(
      `${caller}: \`options.capacity\` makes a store larger than 4 GiB on this machine's ${possibleCpus} CPUs; ask for fewer cells`,
    )
  }
  return capacity
}

/** A store's header or directory is not what this package reads: the caller adds which store. */
export class StoreFormatError extends Error {}
