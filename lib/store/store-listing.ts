// The host-wide stores of the calling user in a directory (/dev/shm by default), for `rseq doctor`: each
// file that starts with the store magic, its size, how full it is, and the processes that map it. Read
// from the header alone and from /proc, without opening (so without mapping or changing) any store.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import * as path from 'node:path'
import { DEFAULT_DIRECTORY } from './store-file'
import { STORE_HEADER_BYTES, STORE_MAGIC, STORE_VERSION, StoreField } from '../layout/store-layout'

export interface StoreListing {
  path: string
  bytes: number
  /** The store format version; only version STORE_VERSION is read further. */
  version: number
  series: { used: number; capacity: number } | null
  metrics: { used: number; capacity: number } | null
  /** Processes that have the file mapped, where /proc shows them (this user's, or all for root). */
  processes: number[]
}

/** The header of a regular file of `uid` (opened without following a link or waiting on a FIFO), or null. */
function header(file: string, uid: number): Uint32Array | null {
  const bytes = Buffer.alloc(STORE_HEADER_BYTES)
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch {
    return null
  }
  try {
    const status = fstatSync(fd)
    if (!status.isFile() || status.uid !== uid) return null
    if (readSync(fd, bytes, 0, STORE_HEADER_BYTES, 0) !== STORE_HEADER_BYTES) return null
  } finally {
    closeSync(fd)
  }
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, STORE_HEADER_BYTES / 4)
  return words[StoreField.Magic] === STORE_MAGIC ? words : null
}

/** How /proc/<pid>/maps shows a file's device and inode: "major:minor inode", the numbers in hex and decimal. */
function mapsKey(device: number, inode: number): string {
  const dev = BigInt(device)
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn)
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')} ${inode}`
}

/** Process ids whose memory maps include each file (by device and inode, whatever name the mapping shows). */
function processesMapping(keys: string[]): Map<string, number[]> {
  const found = new Map(keys.map((key) => [key, [] as number[]]))
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
  } catch {
    return found
  }
  for (const pid of pids) {
    let maps: string
    try {
      maps = readFileSync(`/proc/${pid}/maps`, 'utf8')
    } catch {
      continue
    }
    const mapped = new Set(maps.split('\n').map((line) => line.split(/\s+/).slice(3, 5).join(' ')))
    for (const [key, holders] of found) if (mapped.has(key)) holders.push(Number(pid))
  }
  return found
}

export function listStores(directory = DEFAULT_DIRECTORY): StoreListing[] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1
  let entries: string[]
  try {
    entries = readdirSync(directory)
  } catch {
    return []
  }
  const stores: Array<Omit<StoreListing, 'processes'> & { key: string }> = []
  for (const entry of entries.sort()) {
    const file = path.join(directory, entry)
    let status
    try {
      status = lstatSync(file)
    } catch {
      continue
    }
    if (!status.isFile() || status.uid !== uid) continue
    const words = header(file, uid)
    if (words === null) continue
    const current = words[StoreField.Version] === STORE_VERSION
    stores.push({
      key: mapsKey(status.dev, status.ino),
      path: file,
      bytes: status.size,
      version: words[StoreField.Version],
      series: current ? { used: words[StoreField.SeriesUsed], capacity: words[StoreField.MaxSeries] } : null,
      metrics: current ? { used: words[StoreField.MetricsUsed], capacity: words[StoreField.MaxMetrics] } : null,
    })
  }
  const holders = processesMapping(stores.map((store) => store.key))
  return stores.map(({ key, ...store }) => ({ ...store, processes: holders.get(key) ?? [] }))
}

export function formatStores(stores: StoreListing[]): string[] {
  if (stores.length === 0) return [`stores            none of this user's in ${DEFAULT_DIRECTORY}`]
  return stores.map((store, at) => {
    const fill =
      store.series === null
        ? `format version ${store.version}, not this package's (${STORE_VERSION})`
        : `${store.series.used}/${store.series.capacity} series, ${store.metrics!.used}/${store.metrics!.capacity} metrics`
    // A store no process maps holds counts nobody adds to any more, unless the server starts again and opens it.
    const processes =
      store.processes.length === 0
        ? `no process maps it (if no server will open it again: MetricStore.remove('${store.path}'), or rm it)`
        : `mapped by ${store.processes.length === 1 ? 'process' : 'processes'} ${store.processes.join(', ')}`
    return `${at === 0 ? 'stores' : ''.padEnd(6)}            ${store.path}: ${store.bytes} bytes, ${fill}, ${processes}`
  })
}
