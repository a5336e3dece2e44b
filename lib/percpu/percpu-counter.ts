// A 64-bit counter with one cell per CPU: add() touches only the calling CPU's cache line, value()
// sums all of them exactly.
import { counterAddOf } from './counter-add'
import { cellsOf, PerCpuCells } from './percpu-cells'
import { readIndexOption, type PerCpuOptions } from './percpu-options'

// Set by from() for the one constructor call it makes, so that the constructor attaches instead of
// allocating; module-private, so user code cannot reach it.
let attaching: PerCpuCells | undefined

const INT64_MAX = (1n << 63n) - 1n
const INT64_MIN = -(1n << 63n)

function isSafe(total: bigint): boolean {
  return total <= BigInt(Number.MAX_SAFE_INTEGER) && total >= BigInt(Number.MIN_SAFE_INTEGER)
}

/** Adds `amount` back in int64-sized steps: a sum over many CPUs can exceed one cell. */
function putBack(add: (n: bigint) => void, amount: bigint): void {
  for (let left = amount; left !== 0n;) {
    const step = left > INT64_MAX ? INT64_MAX : left < INT64_MIN ? INT64_MIN : left
    add(step)
    left -= step
  }
}

export class PerCpuCounter {
  /** The shared memory: hand it to a worker and call PerCpuCounter.from() there. */
  readonly buffer: SharedArrayBuffer
  readonly #cells: PerCpuCells

  /**
   * Adds `n` (default 1), an integer number or bigint within int64, to the calling CPU's cell.
   * TypeError for anything else; RangeError for fractions, NaN, infinities and values outside int64.
   *
   * Each counter has its own native functions, bound to its buffer, so a call decodes no buffer: add()
   * passes no argument, add(n) with a number passes it through the thread's number slot, and only a
   * bigint (or a wrong value, for the error) is read as an argument. It is an own property:
   * `const add = counter.add` works unbound too.
   */
  declare readonly add: (n?: number | bigint) => void

  constructor(options?: PerCpuOptions) {
    const cells = attaching ?? PerCpuCells.create('counter', 1, readIndexOption(options, 'new PerCpuCounter(options)'))
    attaching = undefined
    this.#cells = cells
    this.buffer = cells.buffer
    Object.defineProperty(this, 'add', { value: counterAddOf(cells.layout, 0, 'PerCpuCounter.add(n): `n`'), enumerable: false })
    cellsOf.set(this, cells)
  }

  /** Attaches to the buffer of a counter made elsewhere (typically in another worker). */
  static from(buffer: SharedArrayBuffer): PerCpuCounter {
    attaching = PerCpuCells.attach(buffer, 'counter', 'PerCpuCounter.from(buffer)')
    return new PerCpuCounter()
  }

  /** The exact sum as a number; RangeError when it is beyond Number.MAX_SAFE_INTEGER. */
  value(): number {
    const total = this.#cells.sum(0)
    if (!isSafe(total)) {
      throw new RangeError(`PerCpuCounter.value(): the sum ${total} is beyond Number.MAX_SAFE_INTEGER; use bigValue()`)
    }
    return Number(total)
  }

  /** The exact sum. */
  bigValue(): bigint {
    return this.#cells.sum(0)
  }

  /** Each CPU's (or mm_cid's) share, indexed by CPU number. */
  perCpu(): bigint[] {
    return this.#cells.perSlot(0)
  }

  /**
   * Returns the sum and resets the counter to zero in one step, exactly, while other threads keep
   * adding: every add is in this drain's result or left for the next, never both, never neither.
   * RangeError beyond Number.MAX_SAFE_INTEGER, after putting the amount back (nothing is lost); use
   * bigDrain() for such counters.
   */
  drain(): number {
    const total = this.#cells.drain(0)
    if (!isSafe(total)) {
      putBack(this.add, total)
      throw new RangeError(`PerCpuCounter.drain(): the sum ${total} is beyond Number.MAX_SAFE_INTEGER; it was put back, use bigDrain()`)
    }
    return Number(total)
  }

  /** drain() as a bigint. */
  bigDrain(): bigint {
    return this.#cells.drain(0)
  }

  /** Sets the counter to 0, exactly: a drain whose result is dropped. Adds racing with it land after it. */
  reset(): void {
    this.#cells.drain(0)
  }
}
