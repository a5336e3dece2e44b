// The state both per-CPU classes share: the buffer, its validated geometry, the native binding of the
// buffer (made once), and reads over all slots with atomics.
import { native, type NativeLayout } from './binding'
// The thread's rseq decision must be made before a buffer is bound: bind() caches what it implies.
import './thread-rseq'
import { HEADER_BYTES, createBuffer, readGeometry, type BufferKind, type Geometry, type IndexKind } from './percpu-layout'

export class PerCpuCells {
  readonly buffer: SharedArrayBuffer
  readonly geometry: Geometry
  /** The native side's handle on the buffer: bound once, passed on every operation. */
  readonly layout: NativeLayout
  readonly #words: BigInt64Array
  /** Word offset of cell 0 in each rseq slot, then in each fallback slot. */
  readonly #slotWords: number[]

  private constructor(buffer: SharedArrayBuffer, geometry: Geometry) {
    this.buffer = buffer
    this.geometry = geometry
    this.#words = new BigInt64Array(buffer)
    this.layout = native.bind(this.#words)
    const strideWords = geometry.stride / 8
    const first = HEADER_BYTES / 8
    this.#slotWords = Array.from({ length: geometry.slots + geometry.fallbackSlots }, (_, slot) => first + slot * strideWords)
  }

  static create(kind: BufferKind, width: number, index: IndexKind): PerCpuCells {
    const { buffer, geometry } = createBuffer(kind, width, index)
    return new PerCpuCells(buffer, geometry)
  }

  static attach(buffer: unknown, kind: BufferKind, caller: string): PerCpuCells {
    return new PerCpuCells(buffer as SharedArrayBuffer, readGeometry(buffer, kind, caller))
  }

  /**
   * The cell of one CPU: its rseq slot plus its fallback slot. Only one of the two is written unless
   * threads with and without rseq share the buffer, and adding them keeps sums exact either way.
   */
  get(slot: number, cell: number): bigint {
    const words = this.#words
    return (
      Atomics.load(words, this.#slotWords[slot] + cell) +
      Atomics.load(words, this.#slotWords[this.geometry.slots + slot] + cell)
    )
  }

  sum(cell: number): bigint {
    const words = this.#words
    let total = 0n
    for (const offset of this.#slotWords) total += Atomics.load(words, offset + cell)
    return total
  }

  perSlot(cell: number): bigint[] {
    return Array.from({ length: this.geometry.slots }, (_, slot) => this.get(slot, cell))
  }

  reset(): void {
    const words = this.#words
    const width = this.geometry.width
    for (const offset of this.#slotWords) {
      for (let cell = 0; cell < width; cell++) Atomics.store(words, offset + cell, 0n)
    }
  }
}

/** The cells behind a PerCpuCounter or PerCpuArray, for this package's own tests and benchmarks. */
export const cellsOf = new WeakMap<object, PerCpuCells>()
