// `width` int64 cells per CPU, for gauges and structures of your own: add, max and compare-exchange on
// the calling CPU's cells, reads of any CPU's.
import { native } from '../binding/chosen-binding'
import { fastCellFor, ffi, ffiRefusals, holdHandle } from '../binding/call-path'
import type { FastCell } from '../binding/fast-calls'
import { toIndex, toInt64 } from '../binding/integer-args'
import { MAX_WIDTH } from '../layout/percpu-layout'
import { cellsOf, PerCpuCells } from './percpu-cells'
import { readIndexOption, type PerCpuOptions } from './percpu-options'

let attaching: PerCpuCells | undefined

/** What the compare-exchange entry point answers when it did nothing (native/binding/ffi_entry.h). */
const FFI_CAS_REFUSED = -2

function bothNumbers(a: number | bigint, b: number | bigint): a is number {
  return typeof a === 'number' && typeof b === 'number'
}

export class PerCpuArray {
  readonly buffer: SharedArrayBuffer
  readonly width: number
  readonly #cells: PerCpuCells
  readonly #layout: object
  /** This thread's handle on the layout, where the FFI entry points or V8 fast calls are used. */
  readonly #handle: number
  /** Its fast-call cell where the call path is V8 fast calls. */
  readonly #fast: FastCell | null

  constructor(width: number, options?: PerCpuOptions) {
    let cells = attaching
    attaching = undefined
    if (cells === undefined) {
      const cellCount = toIndex(width, MAX_WIDTH + 1, 'new PerCpuArray(width): `width`')
      if (cellCount === 0) throw new RangeError('new PerCpuArray(width): `width` must be at least 1, got 0')
      cells = PerCpuCells.create('array', cellCount, readIndexOption(options, 'new PerCpuArray(width, options)'))
    }
    this.#cells = cells
    this.#layout = cells.layout
    this.buffer = cells.buffer
    this.width = cells.geometry.width
    const fastCall = fastCellFor(() => native.arrayHandle(this.#layout))
    this.#fast = fastCall?.cell ?? null
    this.#handle = fastCall?.handle ?? (ffi === null ? -1 : native.arrayHandle(this.#layout))
    if (this.#handle !== -1) holdHandle(this, this.#handle)
    cellsOf.set(this, cells)
  }

  /** Attaches to the buffer of an array made elsewhere (typically in another worker). */
  static from(buffer: SharedArrayBuffer): PerCpuArray {
    attaching = PerCpuCells.attach(buffer, 'array', 'PerCpuArray.from(buffer)')
    return new PerCpuArray(0)
  }

  #cell(cell: unknown, method: string): number {
    return toIndex(cell, this.width, `PerCpuArray.${method}: \`cell\``)
  }

  /** Adds `n` to `cell` of the calling CPU. */
  add(cell: number, n: number | bigint): void {
    const at = this.#cell(cell, 'add(cell, n)')
    const value = toInt64(n, 'PerCpuArray.add(cell, n): `n`')
    if (typeof value !== 'number') native.addBigInt(this.#layout, at, value)
    else if (this.#fast !== null) {
      if (this.#fast.arrayAdd(at, value) !== 0) {
        ffiRefusals.count++
        native.add(this.#layout, at, value)
      }
    } else if (ffi === null) native.add(this.#layout, at, value)
    else if (ffi.arrayAdd(this.#handle, at, value) !== 0) {
      ffiRefusals.count++
      native.add(this.#layout, at, value)
    }
  }

  /** `cell` of the calling CPU becomes max(cell, v). */
  max(cell: number, v: number | bigint): void {
    const at = this.#cell(cell, 'max(cell, v)')
    const value = toInt64(v, 'PerCpuArray.max(cell, v): `v`')
    if (typeof value !== 'number') native.maxBigInt(this.#layout, at, value)
    else if (this.#fast !== null) {
      if (this.#fast.arrayMax(at, value) !== 0) {
        ffiRefusals.count++
        native.max(this.#layout, at, value)
      }
    } else if (ffi === null) native.max(this.#layout, at, value)
    else if (ffi.arrayMax(this.#handle, at, value) !== 0) {
      ffiRefusals.count++
      native.max(this.#layout, at, value)
    }
  }

  /**
   * On the calling thread's current CPU: stores `desired` if `cell` holds `expected`. Returns the CPU
   * (or mm_cid) index it stored into, or -1 when the cell held something else.
   */
  compareExchange(cell: number, expected: number | bigint, desired: number | bigint): number {
    const at = this.#cell(cell, 'compareExchange(cell, expected, desired)')
    const want = toInt64(expected, 'PerCpuArray.compareExchange(cell, expected, desired): `expected`')
    const next = toInt64(desired, 'PerCpuArray.compareExchange(cell, expected, desired): `desired`')
    if (bothNumbers(want, next)) {
      if (this.#fast !== null || ffi !== null) {
        const stored =
          this.#fast !== null
            ? this.#fast.arrayCompareExchange(at, want, next as number)
            : (ffi as NonNullable<typeof ffi>).arrayCompareExchange(this.#handle, at, want, next as number)
        if (stored !== FFI_CAS_REFUSED) return stored
        ffiRefusals.count++
      }
      return native.compareExchange(this.#layout, at, want, next as number)
    }
    return native.compareExchangeBigInt(this.#layout, at, BigInt(want), BigInt(next))
  }

  /** `cell` of CPU (or mm_cid) `cpu`. */
  get(cpu: number, cell: number): bigint {
    const slot = toIndex(cpu, this.#cells.geometry.slots, 'PerCpuArray.get(cpu, cell): `cpu`')
    return this.#cells.get(slot, this.#cell(cell, 'get(cpu, cell)'))
  }

  /** `cell` summed over every CPU. */
  sum(cell: number): bigint {
    return this.#cells.sum(this.#cell(cell, 'sum(cell)'))
  }

  /**
   * Returns `cell` summed over every CPU and resets it to zero in one step, exactly, while other threads
   * keep calling add(): every add is in this drain's result or left for the next, never both. For cells
   * updated with add(); a cell updated with max() or compareExchange() is not drained exactly.
   */
  drainCell(cell: number): bigint {
    return this.#cells.drain(this.#cell(cell, 'drainCell(cell)'))
  }

  /** Sets every cell of every CPU to 0. Not exact against concurrent writers: use drainCell() for that. */
  reset(): void {
    this.#cells.reset()
  }
}
