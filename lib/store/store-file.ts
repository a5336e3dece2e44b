// A host-wide store's file: where a path leads, opening an existing store or creating it (an unnamed file
// filled in, then named: see native/store/store_file.h), noticing when the path no longer leads to the
// file this process mapped, and removing a store.
import * as path from 'node:path'
import { native, type StoreRegion } from '../binding/chosen-binding'
import { possibleCpus } from '../percpu/this-process'
import {
  geometryOf,
  readHeader,
  STORE_MAGIC,
  StoreFormatError,
  writeHeader,
  type StoreCapacity,
  type StoreGeometry,
} from '../layout/store-layout'

/** Where a store named without a directory goes: tmpfs, so that the store is memory, never disk. */
export const DEFAULT_DIRECTORY = '/dev/shm'
/** What a store's mode always has: its owner reads and writes it. */
const OWNER_BITS = 0o600
/** What a store's mode may add: read and write for group and others (never execute, setuid, setgid or sticky). */
const SHAREABLE_BITS = 0o066
/** The bits that let users other than the owner write a file: whoever has them can change every count of a store. */
const OTHERS_WRITE_BITS = 0o022
const DEFAULT_MODE = OWNER_BITS

const octal = (mode: number): string => `0o${mode.toString(8).padStart(3, '0')}`

/** `options.mode` (DEFAULT_MODE when not given), checked against the bits a store's mode has and may add. */
export function readMode(mode: unknown, caller: string): number {
  if (mode === undefined) return DEFAULT_MODE
  const isMode = typeof mode === 'number' && Number.isInteger(mode) && mode >= 0
  if (!isMode || mode > 0o7777 || (mode & ~SHAREABLE_BITS) !== OWNER_BITS) {
    throw new TypeError(
      `${caller}: \`options.mode\` must be a file mode that lets its owner read and write (${octal(OWNER_BITS)}) and adds at most read and write ` +
        `for group and others (${octal(SHAREABLE_BITS)}): no execute or special bits, such as 0o600 or 0o660, got ` +
        (isMode ? octal(mode) : typeof mode === 'string' ? JSON.stringify(mode) : String(mode)),
    )
  }
  return mode
}

/**
 * Why an existing store file of `fileMode` must not be opened by a caller who asked for `mode`, or null: it
 * lets users other than its owner write it, and the caller did not ask for that.
 */
function othersWriteProblem(file: string, fileMode: number, mode: number): string | null {
  if ((fileMode & OTHERS_WRITE_BITS & ~mode) === 0) return null
  return (
    `has mode ${octal(fileMode)}, which lets users other than its owner write it: any of them can change every count in the store or corrupt it. ` +
    `Make it private (chmod 600 ${file}), or, if it is shared with them on purpose, open it with that mode in \`options.mode\` in every process`
  )
}

export interface StoreFile {
  path: string
  region: StoreRegion
  buffer: ArrayBuffer
  geometry: StoreGeometry
  /** This call made the store (rather than attaching to one another process made). */
  created: boolean
}

/** The absolute path of a store: a bare name is a file in /dev/shm, anything with a slash is a path. */
export function storePath(given: unknown, caller: string): string {
  if (typeof given !== 'string' || given.length === 0 || given.includes('\0')) {
    throw new TypeError(`${caller}: \`path\` must be a non-empty string (a file path, or a name for a file in ${DEFAULT_DIRECTORY})`)
  }
  return given.includes('/') ? path.resolve(given) : path.join(DEFAULT_DIRECTORY, given)
}

/**
 * Opens the store at `file`, or creates it with `capacity` and `mode` when nothing is there. An existing
 * file that users other than its owner may write is refused unless `mode` lets them too.
 */
export function openStoreFile(file: string, capacity: StoreCapacity, mode: number, caller: string): StoreFile {
  const fail = (problem: string): never => {
    throw new Error(`${caller}: ${file} ${problem}`)
  }
  // A file that appears between our look and our naming attempt is another process's store: look again.
  for (let attempt = 0; attempt < 8; attempt++) {
    const opened = native.storeOpenFile(file)
    if ('problem' in opened) return fail(opened.problem)
    if ('region' in opened) {
      const { region, buffer } = opened
      try {
        const problem = othersWriteProblem(file, opened.mode, mode)
        if (problem !== null) fail(problem)
        return {
          path: file,
          region,
          buffer,
          geometry: readHeader(buffer, 'host-wide', { pageSize: native.storePageSize(), possibleCpus }),
          created: false,
        }
      } catch (error) {
        native.storeCloseRegion(opened.region)
        if (error instanceof StoreFormatError) return fail(error.message)
        throw error
      }
    }
    const geometry = geometryOf('host-wide', 'cpu', capacity, possibleCpus, native.storePageSize())
    const made = native.storeCreateFile(path.dirname(file), geometry.totalBytes, mode)
    if ('problem' in made) return fail(made.problem)
    writeHeader(made.buffer, geometry)
    const named = native.storeNameFile(made.region, file)
    if (named === 'named') return { path: file, ...made, geometry, created: true }
    native.storeCloseRegion(made.region)
    if (typeof named === 'object') return fail(named.problem)
  }
  return fail('keeps appearing and disappearing: another process is creating and removing it')
}

const SPLIT = 'processes that opened it before and after no longer share one store: open it again in all of them'

/**
 * Why `file` no longer names the store this process mapped (removed, or another file put there), or null.
 * Processes that opened the path before and after no longer share one store.
 */
export function replacedProblem(file: StoreFile): string | null {
  switch (native.storeFileState(file.region, file.path)) {
    case 'same':
      return null
    case 'removed':
      return `was removed after this process opened it; ${SPLIT}`
    case 'replaced':
      return `was replaced by another file after this process opened it; ${SPLIT}`
    default:
      return 'can no longer be examined (the permissions of its directory changed?), so whether other processes still share it is unknown'
  }
}

/**
 * Removes the store at `file`: false when nothing is there; an error, removing nothing, for anything but a
 * store of this user (a regular file of this user too short to hold the store magic is one truncated).
 */
export function removeStoreFile(file: string, caller: string): boolean {
  const removed = native.storeRemoveFile(file, STORE_MAGIC)
  if (typeof removed === 'object') throw new Error(`${caller}: ${file} ${removed.problem}; it was not removed`)
  return removed === 'removed'
}
