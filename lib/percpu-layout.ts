// The memory layout of a per-CPU buffer, shared with native/percpu_layout.h:
//   [0, 128)  header: u32 magic, version, slots, width, stride, index kind, fallback slots, buffer kind
//   then      `slots` rseq slots (one per possible CPU or mm_cid), written only by critical sections
//   then      `fallbackSlots` slots, written only with atomics by threads that have no rseq
// Each slot is `stride` bytes, a multiple of 128, holding `width` int64 cells.
import { native } from './binding'

export const HEADER_BYTES = 128
export const SLOT_ALIGNMENT = 128
export const MAGIC = 0x71657372 // "rseq" in little-endian bytes
export const VERSION = 1
export const MAX_WIDTH = 65536

export type IndexKind = 'cpu' | 'mmcid'
export type BufferKind = 'counter' | 'array'

const INDEX_CODES: Record<IndexKind, number> = { cpu: 0, mmcid: 1 }
const KIND_CODES: Record<BufferKind, number> = { counter: 1, array: 2 }

const enum Field {
  Magic,
  Version,
  Slots,
  Width,
  Stride,
  Index,
  FallbackSlots,
  Kind,
}

export interface Geometry {
  kind: BufferKind
  index: IndexKind
  width: number
  slots: number
  fallbackSlots: number
  stride: number
}

/** Highest possible CPU number + 1: the slots every buffer on this machine needs. */
export const possibleCpus: number = native.possibleCpus()

export function byteLengthOf(geometry: Geometry): number {
  return HEADER_BYTES + (geometry.slots + geometry.fallbackSlots) * geometry.stride
}

export function createBuffer(kind: BufferKind, width: number, index: IndexKind): { buffer: SharedArrayBuffer; geometry: Geometry } {
  const stride = Math.ceil((width * 8) / SLOT_ALIGNMENT) * SLOT_ALIGNMENT
  const geometry: Geometry = { kind, index, width, slots: possibleCpus, fallbackSlots: possibleCpus, stride }
  const buffer = new SharedArrayBuffer(byteLengthOf(geometry))
  const header = new Uint32Array(buffer, 0, 8)
  header[Field.Magic] = MAGIC
  header[Field.Version] = VERSION
  header[Field.Slots] = geometry.slots
  header[Field.Width] = width
  header[Field.Stride] = stride
  header[Field.Index] = INDEX_CODES[index]
  header[Field.FallbackSlots] = geometry.fallbackSlots
  header[Field.Kind] = KIND_CODES[kind]
  return { buffer, geometry }
}

/** Validates a buffer handed to `from()`; TypeError naming what is wrong. */
export function readGeometry(buffer: unknown, kind: BufferKind, caller: string): Geometry {
  const fail = (problem: string): never => {
    throw new TypeError(`${caller}: \`buffer\` ${problem}`)
  }
  if (!(buffer instanceof SharedArrayBuffer)) {
    return fail('must be the SharedArrayBuffer of a per-CPU object (its `.buffer`), not ' + describeBuffer(buffer))
  }
  if (buffer.byteLength < HEADER_BYTES) return fail(`is ${buffer.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header`)
  const header = new Uint32Array(buffer, 0, 8)
  if (header[Field.Magic] !== MAGIC) return fail('does not hold a per-CPU buffer header (bad magic)')
  if (header[Field.Version] !== VERSION) return fail(`has layout version ${header[Field.Version]}; this package reads version ${VERSION}`)
  const kindCode = header[Field.Kind]
  if (kindCode !== KIND_CODES[kind]) {
    const other = kindCode === KIND_CODES.counter ? 'a PerCpuCounter' : kindCode === KIND_CODES.array ? 'a PerCpuArray' : 'an unknown kind'
    return fail(`belongs to ${other}, not a ${kind === 'counter' ? 'PerCpuCounter' : 'PerCpuArray'}`)
  }
  const indexCode = header[Field.Index]
  const index = (Object.keys(INDEX_CODES) as IndexKind[]).find((name) => INDEX_CODES[name] === indexCode)
  if (index === undefined) return fail(`has an unknown index kind ${indexCode}`)
  const geometry: Geometry = {
    kind,
    index,
    width: header[Field.Width],
    slots: header[Field.Slots],
    fallbackSlots: header[Field.FallbackSlots],
    stride: header[Field.Stride],
  }
  if (geometry.width < 1 || geometry.width > MAX_WIDTH) return fail(`has an invalid width ${geometry.width}`)
  if (geometry.stride % SLOT_ALIGNMENT !== 0 || geometry.stride < geometry.width * 8) {
    return fail(`has a stride of ${geometry.stride} bytes, which does not hold ${geometry.width} cells in 128-byte multiples`)
  }
  if (geometry.slots < possibleCpus || geometry.fallbackSlots < possibleCpus) {
    return fail(`has ${geometry.slots} slots, fewer than this machine's ${possibleCpus} possible CPUs`)
  }
  if (byteLengthOf(geometry) !== buffer.byteLength) {
    return fail(`is ${buffer.byteLength} bytes but its header describes ${byteLengthOf(geometry)}`)
  }
  return geometry
}

function describeBuffer(value: unknown): string {
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer (per-CPU memory must be shared)'
  if (ArrayBuffer.isView(value)) return 'a view (pass its .buffer)'
  return value === null ? 'null' : `a value of type ${typeof value}`
}
