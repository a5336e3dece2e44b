// A store file's bytes as another process of its user could rewrite them: header words, directory records
// and table slots, written in place (the page cache is what every process maps), with checksums made
// right where the test says so. The layout is lib/layout/store-layout.ts's and lib/store/store-directory.ts's.
import * as fs from 'node:fs'
import { StoreField, fnv1a } from '../../lib/layout/store-layout'

/** A directory record as laid out in the records area (offsets relative to it). */
export interface RawRecord {
  offset: number
  length: number
  type: 'metric' | 'series'
  /** A series' metric record offset, or a metric's bound count. */
  extra: number
  /** A series' first cell. */
  firstCell: number
  strings: string[]
}

const RECORD_HEAD = 16

export function readU32(file: string, byteOffset: number): number {
  const word = Buffer.alloc(4)
  const fd = fs.openSync(file, 'r')
  try {
    fs.readSync(fd, word, 0, 4, byteOffset)
  } finally {
    fs.closeSync(fd)
  }
  return word.readUInt32LE(0)
}

/** Writes one u32 in place, as another process writing the mapped file would. */
export function writeU32(file: string, byteOffset: number, value: number): void {
  const word = Buffer.alloc(4)
  word.writeUInt32LE(value >>> 0, 0)
  const fd = fs.openSync(file, 'r+')
  try {
    fs.writeSync(fd, word, 0, 4, byteOffset)
  } finally {
    fs.closeSync(fd)
  }
}

export const headerWord = (file: string, field: number): number => readU32(file, field * 4)
export const setHeaderWord = (file: string, field: number, value: number): void => writeU32(file, field * 4, value)

/** Where the records area starts in the file. */
export const recordsOffset = (bytes: Buffer): number => bytes.readUInt32LE(StoreField.RecordsOffset * 4)

/** Every record in the records area, in the order written, up to the directory-bytes word. */
export function rawRecords(bytes: Buffer): RawRecord[] {
  const records = recordsOffset(bytes)
  const used = bytes.readUInt32LE(StoreField.DirectoryBytesUsed * 4)
  const found: RawRecord[] = []
  for (let at = 0; at < used;) {
    const start = records + at
    const length = bytes.readUInt32LE(start)
    const type = bytes[start + 8] === 1 ? 'metric' : 'series'
    const count = bytes.readUInt16LE(start + 10)
    const extra = bytes.readUInt32LE(start + 12)
    let cursor = start + RECORD_HEAD + (type === 'series' ? 8 : 8 + 8 * extra)
    const strings: string[] = []
    for (let index = 0; index < count; index++) {
      const size = bytes.readUInt32LE(cursor)
      strings.push(bytes.toString('utf8', cursor + 4, cursor + 4 + size))
      cursor += 4 + size
    }
    found.push({ offset: at, length, type, extra, firstCell: type === 'series' ? bytes.readUInt32LE(start + RECORD_HEAD) : 0, strings })
    at += length
  }
  return found
}

/** Rewrites the checksum of the record at `offset` in the records area, as a careful forger would. */
export function fixRecordChecksum(bytes: Buffer, offset: number): void {
  const start = recordsOffset(bytes) + offset
  const length = bytes.readUInt32LE(start)
  bytes.writeUInt32LE(fnv1a(bytes, start + 8, start + length, fnv1a(bytes, start, start + 4)), start + 4)
}

/** Writes the bytes [from, to) of `bytes` into the file in place. */
export function writeRange(file: string, bytes: Buffer, from: number, to: number): void {
  const fd = fs.openSync(file, 'r+')
  try {
    fs.writeSync(fd, bytes, from, to - from, from)
  } finally {
    fs.closeSync(fd)
  }
}
