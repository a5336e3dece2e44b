// MetricStore: named per-CPU series with labels in one region of memory, shared by every thread that
// attaches it (in-process, over a SharedArrayBuffer) or by every process of one user that opens its file
// (host-wide, a file in tmpfs). docs/store.md has the layout, the guarantees and the limits.
import { native } from '../binding/chosen-binding'
// The thread's rseq decision must be made before cells are bound: binding caches what it implies.
import '../registration/thread-rseq'
import { readBounds, readResolution, type HistogramBucketOptions } from '../percpu/histogram-buckets'
import { possibleCpus } from '../percpu/this-process'
import type { HistogramSnapshot } from '../percpu/percpu-histogram'
import { StoreCore } from './store-core'
import { definitionProblem, type MetricDefinition, type MetricKind, type MetricRecord } from './store-directory'
import { ownProperties } from '../binding/own-properties'
import { openStoreFile, readMode, removeStoreFile, replacedProblem, storePath, type StoreFile } from './store-file'
import {
  geometryOf,
  readCapacity,
  readHeader,
  StoreField,
  StoreFormatError,
  writeHeader,
  type StoreCapacity,
  type StoreIndex,
  type StoreScope,
} from '../layout/store-layout'
import { snapshotOf } from './histogram-series'
import { StoreCounter } from './store-counter'
import { StoreGauge } from './store-gauge'
import { StoreHistogram } from './store-histogram'
import { mappedWords, sharedWords } from './store-words'

export type { StoreCapacity, StoreIndex, StoreScope } from '../layout/store-layout'

export interface MetricOptions {
  /** The label names every series of the metric has (Prometheus names; `le` is a histogram's own). */
  labelNames?: readonly string[]
  /** The metric's help text, as exporters show it. The first declaration in a store sets it. */
  help?: string
}

export interface StoreHistogramOptions extends MetricOptions, HistogramBucketOptions {}

export interface CreateStoreOptions {
  /** What the store can hold; fixed for its life. Defaults: 4096 series, 256 metrics, 16384 cells, 256 KiB of names. */
  capacity?: Partial<StoreCapacity>
  /** Slots by CPU (the default) or by the per-process mm_cid (Linux >= 6.3). */
  index?: StoreIndex
}

export interface OpenStoreOptions {
  /** The capacity of a store this call creates; an existing store keeps its own. */
  capacity?: Partial<StoreCapacity>
  /**
   * The file mode of a store this call creates, exactly (the umask does not apply); default 0o600. The owner's
   * read and write, plus at most read and write for group and others. An existing store whose mode lets
   * group or others write it is refused unless this mode has the same write bits.
   */
  mode?: number
}

interface CollectedBase {
  name: string
  help: string
  labelNames: string[]
}

export interface CollectedCounter extends CollectedBase {
  kind: 'counter'
  series: Array<{ labels: Record<string, string>; value: bigint }>
}

export interface CollectedGauge extends CollectedBase {
  kind: 'gauge'
  series: Array<{ labels: Record<string, string>; value: number }>
}

export interface CollectedHistogram extends CollectedBase {
  kind: 'histogram'
  bounds: number[]
  resolution: number
  series: Array<{ labels: Record<string, string> } & HistogramSnapshot>
}

export type CollectedMetric = CollectedCounter | CollectedGauge | CollectedHistogram

/** How full a store is: each capacity, and how much of it is taken. */
export type StoreUsage = { [Name in keyof StoreCapacity]: { used: number; capacity: number } }

// Set by the static constructors for the one constructor call each makes; module-private.
let opening: { core: StoreCore; buffer: SharedArrayBuffer | null; file: StoreFile | null } | undefined

const IN_PROCESS = 'the in-process store'

export class MetricStore {
  /** The file of a host-wide store; null for an in-process one. */
  readonly path: string | null
  /** The memory of an in-process store, for MetricStore.from() in other workers; null for a host-wide one. */
  readonly buffer: SharedArrayBuffer | null
  readonly scope: StoreScope
  readonly index: StoreIndex
  /** When the store was made (milliseconds since the epoch): every counter and histogram counts from then. */
  readonly createdAt: number
  readonly #core: StoreCore
  readonly #file: StoreFile | null
  readonly #metrics = new Map<string, { record: MetricRecord; metric: StoreCounter | StoreGauge | StoreHistogram }>()

  /** @internal Use MetricStore.open(), create() or from(). */
  constructor() {
    if (opening === undefined)
      throw new TypeError('new MetricStore(): use MetricStore.open(path), MetricStore.create() or MetricStore.from(buffer)')
    const { core, buffer, file } = opening
    opening = undefined
    this.#core = core
    this.#file = file
    this.buffer = buffer
    this.path = file === null ? null : file.path
    this.scope = core.geometry.scope
    this.index = core.geometry.index
    this.createdAt = core.geometry.createdAt
    Object.freeze(this)
  }

  /**
   * Opens the host-wide store in file `path` (a bare name is a file in /dev/shm), creating it when there is
   * none. Every process of the same user that opens the same file shares it; each worker opens it for itself.
   * A file that users other than its owner may write is refused unless `options.mode` says so on purpose.
   */
  static open(path: string, options?: OpenStoreOptions): MetricStore {
    const caller = 'MetricStore.open(path, options)'
    const file = storePath(path, caller)
    const { capacity, mode, index } = readOptions(options, caller, ['capacity', 'mode'])
    if (index !== 'cpu') throw new TypeError(`${caller}: a host-wide store is indexed by CPU; mm_cid is per process`)
    const opened = openStoreFile(file, capacity, mode, caller)
    return attach(
      new StoreCore(opened.region, opened.buffer, opened.geometry, mappedWords(opened.buffer, opened.region), file),
      null,
      opened,
      caller,
    )
  }

  /** A new in-process store over a SharedArrayBuffer (`store.buffer`), which workers attach with MetricStore.from(). */
  static create(options?: CreateStoreOptions): MetricStore {
    const caller = 'MetricStore.create(options)'
    const { capacity, index } = readOptions(options, caller, ['capacity', 'index'])
    const geometry = geometryOf('in-process', index, capacity, possibleCpus, 0)
    const buffer = new SharedArrayBuffer(geometry.totalBytes)
    writeHeader(buffer, geometry)
    return fromBuffer(buffer, caller)
  }

  /** Attaches to an in-process store made elsewhere (typically in another worker) from its `buffer`. */
  static from(buffer: SharedArrayBuffer): MetricStore {
    return fromBuffer(buffer, 'MetricStore.from(buffer)')
  }

  /**
   * Removes the store file at `path` (a bare name is a file in /dev/shm). False when there is none; an error,
   * removing nothing, for a file that is not a store of this user (one truncated under its users, too short
   * to hold the store magic, is removed). Processes that have it open keep their mapping and no longer share
   * it with processes that open the path later: remove a store once its users stop.
   */
  static remove(path: string): boolean {
    const caller = 'MetricStore.remove(path)'
    return removeStoreFile(storePath(path, caller), caller)
  }

  /** The counter `name`: made in the store if it has none, the store's if it has one with the same definition. */
  counter(name: string, options?: MetricOptions): StoreCounter {
    return this.#declare('counter', name, options, (record) => new StoreCounter(this.#core, record)) as StoreCounter
  }

  /** The gauge `name`: one float64 per series for the whole store (every thread and process), set or changed atomically. */
  gauge(name: string, options?: MetricOptions): StoreGauge {
    return this.#declare('gauge', name, options, (record) => new StoreGauge(this.#core, record)) as StoreGauge
  }

  /** The histogram `name`, with fixed bucket bounds and an exact sum in units of `resolution`. */
  histogram(name: string, options: StoreHistogramOptions): StoreHistogram {
    return this.#declare('histogram', name, options, (record) => new StoreHistogram(this.#core, record)) as StoreHistogram
  }

  /**
   * Every metric and series in the store, with exact totals over every CPU, thread and process, read while
   * others keep adding (nothing stops). Metrics by name; series in the order they were made.
   */
  collect(): CollectedMetric[] {
    const caller = 'MetricStore.collect()'
    this.#checkFile(caller)
    const core = this.#core
    // Everything read before is checked again (records, table slots, the header), then what is new is read.
    core.withDirectory(
      caller,
      (directory) => {
        directory.verify()
        directory.refresh()
      },
      true,
    )
    const metrics = core.directory.metrics().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    let cellEnd = 0
    for (const metric of metrics)
      for (const series of core.directory.seriesOf(metric)) cellEnd = Math.max(cellEnd, series.firstCell + metric.cellsPerSeries)
    const sums = core.sumCells(caller, 0, cellEnd)
    const words = core.words(caller)
    const collected: CollectedMetric[] = []
    for (const metric of metrics) {
      const { name, help, kind } = metric
      const labelNames = [...metric.labelNames]
      const records = core.directory.seriesOf(metric)
      if (kind === 'counter') {
        collected.push({
          name,
          help,
          labelNames,
          kind,
          series: records.map(({ labels, firstCell }) => ({ labels, value: sums[firstCell] })),
        })
      } else if (kind === 'gauge') {
        const series = records.map(({ labels, firstCell }) => ({ labels, value: words.loadFloat64(core.gaugeByteOffset(firstCell)) }))
        collected.push({ name, help, labelNames, kind, series })
      } else {
        const series = records.map(({ labels, firstCell }) => ({ labels, ...snapshotOf(metric, sums, firstCell) }))
        collected.push({ name, help, labelNames, kind, bounds: [...metric.bounds], resolution: metric.resolution, series })
      }
    }
    return collected
  }

  /** How much of each capacity is taken (lost races and killed creators can take some that no series uses). */
  usage(): StoreUsage {
    const { u32 } = this.#core.words('MetricStore.usage()')
    const { capacity } = this.#core.geometry
    const used = (field: number) => Atomics.load(u32, field)
    return {
      series: { used: used(StoreField.SeriesUsed), capacity: capacity.series },
      metrics: { used: used(StoreField.MetricsUsed), capacity: capacity.metrics },
      cells: { used: used(StoreField.CellsUsed), capacity: capacity.cells },
      directoryBytes: { used: used(StoreField.DirectoryBytesUsed), capacity: capacity.directoryBytes },
    }
  }

  /**
   * Detaches this thread from the store: its metrics and series throw from now on. A host-wide store's file
   * stays (other processes go on; MetricStore.remove() deletes it); this process's mapping is let go.
   */
  close(): void {
    this.#core.close()
  }

  #checkFile(caller: string): void {
    this.#core.check(caller)
    if (this.#file === null) return
    const problem = replacedProblem(this.#file)
    if (problem !== null) {
      throw new Error(`${caller}: ${this.#file.path} ${problem}`)
    }
  }

  #declare(kind: MetricKind, name: unknown, options: unknown, make: (record: MetricRecord) => StoreCounter | StoreGauge | StoreHistogram) {
    const caller = `MetricStore.${kind}(name, options)`
    this.#core.check(caller)
    const { definition, resolutionGiven } = readDefinition(kind, name, options, caller)
    const known = this.#metrics.get(definition.name)
    if (known !== undefined) {
      checkSameDefinition(caller, this.#core.describe, known.record, definition, resolutionGiven)
      return known.metric
    }
    const record = this.#core.metric(caller, definition)
    checkSameDefinition(caller, this.#core.describe, record, definition, resolutionGiven)
    const metric = make(record)
    this.#metrics.set(definition.name, { record, metric })
    return metric
  }
}

function attach(core: StoreCore, buffer: SharedArrayBuffer | null, file: StoreFile | null, caller: string): MetricStore {
  // The whole directory is read and checked before the store is used.
  try {
    core.withDirectory(caller, (directory) => directory.refresh())
  } catch (error) {
    core.close()
    throw error
  }
  opening = { core, buffer, file }
  return new MetricStore()
}

function fromBuffer(buffer: unknown, caller: string): MetricStore {
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(`${caller}: \`buffer\` must be the SharedArrayBuffer of an in-process MetricStore (its \`.buffer\`)`)
  }
  let geometry
  try {
    geometry = readHeader(buffer, 'in-process', { pageSize: 0, possibleCpus })
  } catch (error) {
    if (error instanceof StoreFormatError) throw new TypeError(`${caller}: \`buffer\` ${error.message}`, { cause: error })
    throw error
  }
  const region = native.storeRegionOfBuffer(new BigInt64Array(buffer))
  return attach(new StoreCore(region, buffer, geometry, sharedWords(buffer), IN_PROCESS), buffer, null, caller)
}

/** A store's options, from the own properties of `options`; `allowed` are the keys the call takes. */
function readOptions(options: unknown, caller: string, allowed: string[]): { capacity: StoreCapacity; mode: number; index: StoreIndex } {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw new TypeError(`${caller}: \`options\` must be an object or undefined`)
  const given: { capacity?: unknown; mode?: unknown; index?: unknown } = ownProperties(options ?? {})
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) {
      const hint = key === 'index' ? ' (a host-wide store is always indexed by CPU: mm_cid is per process)' : ''
      throw new TypeError(`${caller}: \`options.${key}\` is not an option here; the options are ${allowed.join(', ')}${hint}`)
    }
  }
  const mode = readMode(given.mode, caller)
  const index = given.index ?? 'cpu'
  if (index !== 'cpu' && index !== 'mmcid')
    throw new TypeError(`${caller}: \`options.index\` must be 'cpu' or 'mmcid', got ${JSON.stringify(index)}`)
  return { capacity: readCapacity(given.capacity, caller, possibleCpus), mode, index }
}

/**
 * A metric's definition, from the own properties of `options`, and whether it names a histogram's resolution
 * (without one, a histogram takes the resolution its store holds it with, whatever default made it).
 */
function readDefinition(
  kind: MetricKind,
  name: unknown,
  options: unknown,
  caller: string,
): { definition: MetricDefinition; resolutionGiven: boolean } {
  if (typeof name !== 'string') throw new TypeError(`${caller}: \`name\` must be a string`)
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${caller}: \`options\` must be an object${kind === 'histogram' ? ' with `buckets`' : ' or undefined'}`)
  }
  const given: Partial<StoreHistogramOptions> = ownProperties(options ?? {})
  const labelNames = given.labelNames ?? []
  if (!Array.isArray(labelNames) || !labelNames.every((label) => typeof label === 'string')) {
    throw new TypeError(`${caller}: \`options.labelNames\` must be an array of strings`)
  }
  const help = given.help ?? ''
  if (typeof help !== 'string') throw new TypeError(`${caller}: \`options.help\` must be a string`)
  const bounds = kind === 'histogram' ? readBounds(options, caller) : []
  const resolution = kind === 'histogram' ? readResolution(given, caller, bounds) : 1
  const definition: MetricDefinition = { kind, name, help, labelNames: [...labelNames], bounds, resolution }
  const problem = definitionProblem(definition)
  if (problem !== null) throw new TypeError(`${caller}: the metric ${problem}`)
  return { definition, resolutionGiven: given.resolution !== undefined }
}

function checkSameDefinition(
  caller: string,
  describe: string,
  existing: MetricDefinition,
  wanted: MetricDefinition,
  resolutionGiven: boolean,
): void {
  const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((item, at) => item === b[at])
  const same =
    existing.kind === wanted.kind &&
    sameList(existing.labelNames, wanted.labelNames) &&
    (wanted.kind !== 'histogram' ||
      (sameList(existing.bounds, wanted.bounds) && (!resolutionGiven || existing.resolution === wanted.resolution)))
  if (same) return
  const shown = ({ kind, labelNames, bounds, resolution }: MetricDefinition) =>
    `a ${kind} with labels [${labelNames.join(', ')}]` +
    (kind === 'histogram' ? `, buckets [${bounds.join(', ')}] and resolution ${resolution}` : '')
  throw new TypeError(
    `${caller}: ${wanted.name} is ${shown(existing)} in ${describe}, declared here as ${shown(wanted)}; a name has one definition in a store`,
  )
}
