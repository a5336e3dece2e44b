// The state both per-CPU classes share: the buffer, its validated geometry, the native binding of the
// buffer (made once), and reads over all slots with atomics.
import { native, type NativeLayout } from '../binding/chosen-binding'
// The thread's rseq decision must be made before a buffer is bound: bind() caches what it implies.
import '../registration/thread-rseq'
import { HEADER_BYTES, createBuffer, readGeometry, type BufferKind, type Geometry, type IndexKind } from '../layout/percpu-layout'
import { thisProcess } from './this-process'

export class PerCpuCells {
  readonly buffer: SharedArrayBuffer
  readonly geometry: Geometry
  /** The native side's handle on the buffer: bound once, passed on every operation. */
  readonly layout: NativeLayout
  readonly #words: BigInt64Array
  /** Per slot, the word offsets of cell 0 in each region that adds to it (rseq sets, fallback). */
  readonly #addedWords: number[][]
  /** Per slot, the word offset of cell 0 of its drained total, where the buffer keeps one. */
  readonly #baselineWords: number[] | null

  private constructor(buffer: SharedArrayBuffer, geometry: Geometry) {
    this.buffer = buffer
    this.geometry = geometry
    this.#words = new BigInt64Array(buffer, 0, (buffer.byteLength - geometry.tailBytes) / 8)
    this.layout = native.bind(new BigInt64Array(buffer))
    const strideWords = geometry.stride / 8
    const regionWords = geometry.slots * strideWords
    const first = HEADER_BYTES / 8
    const regions = geometry.rseqSets + 1
    this.#addedWords = Array.from({ length: geometry.slots }, (_, slot) =>
      Array.from({ length: regions }, (_, region) => first + region * regionWords + slot * strideWords),
    )
    this.#baselineWords = geometry.baseline
      ? Array.from({ length: geometry.slots }, (_, slot) => first + regions * regionWords + slot * strideWords)
      : null
  }

  static create(kind: BufferKind, width: number, index: IndexKind, tailBytes = 0): PerCpuCells {
    const { buffer, geometry } = createBuffer(kind, width, index, tailBytes, thisProcess)
    return new PerCpuCells(buffer, geometry)
  }

  static attach(buffer: unknown, kind: BufferKind, caller: string): PerCpuCells {
    return new PerCpuCells(buffer as SharedArrayBuffer, readGeometry(buffer, kind, caller, thisProcess))
  }

  /**
   * The cell of one CPU: what its rseq slots and its fallback slot hold, less what drains have taken
   * where drains keep totals. Several regions are written only when threads with and without rseq share
   * the buffer, or a drain flipped sets; adding them keeps sums exact either way. Wraps like an int64.
   */
  get(slot: number, cell: number): bigint {
    const words = this.#words
    let total = 0n
    for (const offset of this.#addedWords[slot]) total += Atomics.load(words, offset + cell)
    if (this.#baselineWords !== null) total -= Atomics.load(words, this.#baselineWords[slot] + cell)
    return BigInt.asIntN(64, total)
  }

  sum(cell: number): bigint {
    let total = 0n
    for (let slot = 0; slot < this.geometry.slots; slot++) total += this.get(slot, cell)
    return total
  }

  perSlot(cell: number): bigint[] {
    return Array.from({ length: this.geometry.slots }, (_, slot) => this.get(slot, cell))
  }

  /** Takes the cell's sum and leaves zero in its place, exactly, while other threads add (native/percpu/percpu_drain.h). */
  drain(cell: number): bigint {
    return native.drainCell(this.layout, cell)
  }

  /** Zeroes every cell with plain atomic stores: exact only when nothing else writes meanwhile. */
  reset(): void {
    const words = this.#words
    const width = this.geometry.width
    for (const offsets of this.#addedWords) {
      for (const offset of offsets) for (let cell = 0; cell < width; cell++) Atomics.store(words, offset + cell, 0n)
    }
    for (const offset of this.#baselineWords ?? []) {
      for (let cell = 0; cell < width; cell++) Atomics.store(words, offset + cell, 0n)
    }
  }
}

/** The cells behind a PerCpuCounter or PerCpuArray, for this package's own tests and benchmarks. */
export const cellsOf = new WeakMap<object, PerCpuCells>()
