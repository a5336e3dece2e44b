// The memory layout of a per-CPU buffer, as native/percpu/percpu_layout.h states it (its magic, version, header
// size, slot alignment and the order of the header's u32 fields reach this file through the generated
// ./percpu-layout-facts.ts, which test/native-facts.test.ts holds to what the addon exports):
//   header    HEADER_BYTES bytes: HEADER_FIELDS u32 fields at the indexes of HeaderField
//   then      `rseqSets` x `slots` rseq slots (one per possible CPU or mm_cid), written only by
//             critical sections; two sets where drains flip them behind the rseq fence
//   then      `fallbackSlots` (== slots) slots, written only with atomics by threads that have no rseq
//   then      with `baseline`, `slots` slots of drained totals (drains where the fence is missing)
//   then      `tailBytes` for the JS layer (a histogram's bounds)
// Each slot is `stride` bytes, a multiple of SLOT_ALIGNMENT, holding `width` int64 cells. How many sets and
// whether there is a baseline follow from the process's drain mode (native/percpu/rseq_fence.h).
// Pure: what a buffer on this machine and in this process needs (its slots, its drain mode) is a parameter,
// asked of the binding by lib/percpu/this-process.ts, so that the portable binding reads the same header.
import { PERCPU_LAYOUT_FACTS } from './percpu-layout-facts'

export const HEADER_BYTES = PERCPU_LAYOUT_FACTS.headerBytes
/** Each u32 field of the header by its index in the header's Uint32Array. */
export const HeaderField = PERCPU_LAYOUT_FACTS.headerFields
export const HEADER_FIELDS = PERCPU_LAYOUT_FACTS.headerFieldCount
const Field = HeaderField

export const SLOT_ALIGNMENT = PERCPU_LAYOUT_FACTS.slotAlignment
export const MAGIC = PERCPU_LAYOUT_FACTS.magic
export const VERSION = PERCPU_LAYOUT_FACTS.version
/** The most cells the classes give a buffer: JavaScript's own bound (the addon reads a header of any width). */
export const MAX_WIDTH = 65536

/** What indexes a buffer's slots, with its code in the header. */
const INDEX_CODES = PERCPU_LAYOUT_FACTS.indexKinds
export type IndexKind = keyof typeof INDEX_CODES
export type BufferKind = 'counter' | 'array' | 'histogram'
export type DrainMode = 'fence' | 'exchange' | 'snapshot'

const KIND_CODES: Record<BufferKind, number> = { counter: 1, array: 2, histogram: 3 }
const KIND_NAMES: Record<BufferKind, string> = { counter: 'a PerCpuCounter', array: 'a PerCpuArray', histogram: 'a PerCpuHistogram' }

export interface Geometry {
  kind: BufferKind
  index: IndexKind
  width: number
  slots: number
  fallbackSlots: number
  stride: number
  rseqSets: 1 | 2
  baseline: boolean
  tailBytes: number
}

/** What a buffer is laid out for: the machine's possible CPUs and the process's drain mode. */
export interface PercpuMachine {
  /** Highest possible CPU number + 1: the slots every buffer on this machine needs. */
  possibleCpus: number
  /** How this process drains (fixed for its life): decides the sets and baseline of every buffer it makes. */
  drainMode: DrainMode
}

export function byteLengthOf(geometry: Geometry): number {
  const slotCount = geometry.slots * geometry.rseqSets + geometry.fallbackSlots + (geometry.baseline ? geometry.slots : 0)
  return HEADER_BYTES + slotCount * geometry.stride + geometry.tailBytes
}

export function createBuffer(
  kind: BufferKind,
  width: number,
  index: IndexKind,
  tailBytes: number,
  { possibleCpus, drainMode }: PercpuMachine,
): { buffer: SharedArrayBuffer; geometry: Geometry } {
  const stride = Math.ceil((width * 8) / SLOT_ALIGNMENT) * SLOT_ALIGNMENT
  const geometry: Geometry = {
    kind,
    index,
    width,
    slots: possibleCpus,
    fallbackSlots: possibleCpus,
    stride,
    rseqSets: drainMode === 'fence' ? 2 : 1,
    baseline: drainMode === 'snapshot',
    tailBytes,
  }
  const buffer = new SharedArrayBuffer(byteLengthOf(geometry))
  const header = new Uint32Array(buffer, 0, HEADER_FIELDS)
  header[Field.Magic] = MAGIC
  header[Field.Version] = VERSION
  header[Field.Slots] = geometry.slots
  header[Field.Width] = width
  header[Field.Stride] = stride
  header[Field.Index] = INDEX_CODES[index]
  header[Field.FallbackSlots] = geometry.fallbackSlots
  header[Field.Kind] = KIND_CODES[kind]
  header[Field.RseqSets] = geometry.rseqSets
  header[Field.Baseline] = geometry.baseline ? 1 : 0
  header[Field.TailBytes] = tailBytes
  return { buffer, geometry }
}

/** Validates a buffer handed to `from()`; TypeError naming what is wrong. */
export function readGeometry(buffer: unknown, kind: BufferKind, caller: string, { possibleCpus, drainMode }: PercpuMachine): Geometry {
  const fail = (problem: string): never => {
    throw new TypeError(`${caller}: \`buffer\` ${problem}`)
  }
  if (!(buffer instanceof SharedArrayBuffer)) {
    return fail('must be the SharedArrayBuffer of a per-CPU object (its `.buffer`), not ' + describeBuffer(buffer))
  }
  if (buffer.byteLength < HEADER_BYTES) return fail(`is ${buffer.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header`)
  const header = new Uint32Array(buffer, 0, HEADER_FIELDS)
  if (header[Field.Magic] !== MAGIC) return fail('does not hold a per-CPU buffer header (bad magic)')
  if (header[Field.Version] !== VERSION) return fail(`has layout version ${header[Field.Version]}; this package reads version ${VERSION}`)
  const kindCode = header[Field.Kind]
  if (kindCode !== KIND_CODES[kind]) {
    const found = (Object.keys(KIND_CODES) as BufferKind[]).find((name) => KIND_CODES[name] === kindCode)
    return fail(`belongs to ${found === undefined ? 'an unknown kind' : KIND_NAMES[found]}, not ${KIND_NAMES[kind]}`)
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
    rseqSets: header[Field.RseqSets] as 1 | 2,
    baseline: header[Field.Baseline] === 1,
    tailBytes: header[Field.TailBytes],
  }
  if (geometry.width < 1 || geometry.width > MAX_WIDTH) return fail(`has an invalid width ${geometry.width}`)
  if (geometry.stride % SLOT_ALIGNMENT !== 0 || geometry.stride < geometry.width * 8) {
    return fail(`has a stride of ${geometry.stride} bytes, which does not hold ${geometry.width} cells in ${SLOT_ALIGNMENT}-byte multiples`)
  }
  if (geometry.slots < possibleCpus) {
    return fail(`has ${geometry.slots} slots, fewer than this machine's ${possibleCpus} possible CPUs`)
  }
  if (geometry.fallbackSlots !== geometry.slots) return fail(`has ${geometry.fallbackSlots} fallback slots for ${geometry.slots} slots`)
  const expectedSets = drainMode === 'fence' ? 2 : 1
  if (header[Field.RseqSets] !== expectedSets || header[Field.Baseline] !== (drainMode === 'snapshot' ? 1 : 0)) {
    return fail(
      `was laid out for another drain mode than this thread's '${drainMode}' (made in another process, or in a thread ` +
        'where the native build is loaded while this one runs the portable path, or the other way round)',
    )
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
