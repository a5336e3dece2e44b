// One gauge series of a MetricStore: a float64 for the whole store, changed atomically. Where the call path is
// V8 fast calls, set(), inc() and dec() reach the addon through the series' fast-call cell; a call the cell
// refuses (a value that is not finite, a closed store, memory that no longer holds the store) takes the way
// every other path takes, which throws the error that names it.
import { fastCellFor, holdHandle } from '../binding/call-path'
import type { FastCell } from '../binding/fast-calls'
import type { StoreCore } from './store-core'
import type { SeriesRecord } from './store-directory'

/**
 * One gauge series: one float64 for the whole store (every thread and process), not per CPU. set() replaces
 * it; inc() and dec() change it atomically, so concurrent changes from anywhere all count.
 */
export class GaugeSeries {
  readonly labels: Readonly<Record<string, string>>
  readonly #core: StoreCore
  readonly #byteOffset: number
  readonly #fast: FastCell | null

  /** @internal */
  constructor(core: StoreCore, record: SeriesRecord) {
    this.#core = core
    this.#byteOffset = core.gaugeByteOffset(record.firstCell)
    this.labels = record.labels
    const fastCall = fastCellFor(() => core.gaugeHandle(this.#byteOffset))
    if (fastCall === null) {
      this.#fast = null
    } else {
      this.#fast = fastCall.cell
      holdHandle(this, fastCall.handle)
    }
  }

  set(value: number): void {
    if (typeof value === 'number' && this.#fast?.gaugeSet(value) === 0) return
    this.#core.words('GaugeSeries.set(value)').setFloat64(this.#byteOffset, finite(value, 'GaugeSeries.set(value): `value`'))
  }

  inc(amount = 1): void {
    if (typeof amount === 'number' && this.#fast?.gaugeAdd(amount) === 0) return
    this.#core.words('GaugeSeries.inc(amount)').addFloat64(this.#byteOffset, finite(amount, 'GaugeSeries.inc(amount): `amount`'))
  }

  dec(amount = 1): void {
    if (typeof amount === 'number' && this.#fast?.gaugeAdd(-amount) === 0) return
    this.#core.words('GaugeSeries.dec(amount)').addFloat64(this.#byteOffset, -finite(amount, 'GaugeSeries.dec(amount): `amount`'))
  }

  value(): number {
    return this.#core.words('GaugeSeries.value()').loadFloat64(this.#byteOffset)
  }
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`)
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`)
  return value
}
