// One counter series of a MetricStore: an int64 cell per CPU, summed exactly; its add() is the per-CPU one,
// bound to the series' cell once (lib/percpu/counter-add.ts), so a cached series costs what PerCpuCounter.add() costs.
import { counterAddOf } from '../percpu/counter-add'
import type { StoreCore } from './store-core'
import type { SeriesRecord } from './store-directory'

function isSafe(total: bigint): boolean {
  return total <= BigInt(Number.MAX_SAFE_INTEGER) && total >= BigInt(Number.MIN_SAFE_INTEGER)
}

/** One counter series: an int64 per CPU, summed exactly. */
export class CounterSeries {
  readonly labels: Readonly<Record<string, string>>
  /**
   * Adds `n` (default 1), a non-negative integer number or bigint within int64, on the calling CPU: a counter
   * only goes up (Prometheus's rule; a gauge goes both ways). An own property: `const add = series.add` works.
   */
  declare readonly add: (n?: number | bigint) => void
  readonly #core: StoreCore
  readonly #cell: number

  /** @internal */
  constructor(core: StoreCore, record: SeriesRecord) {
    this.#core = core
    this.#cell = record.firstCell
    this.labels = record.labels
    Object.defineProperty(this, 'add', {
      value: counterAddOf(core.layout, record.firstCell, 'CounterSeries.add(n): `n`', true),
      enumerable: false,
    })
  }

  /** The exact total over every CPU and process; RangeError beyond Number.MAX_SAFE_INTEGER (use bigValue()). */
  value(): number {
    const total = this.bigValue()
    if (!isSafe(total)) throw new RangeError(`CounterSeries.value(): the total ${total} is beyond Number.MAX_SAFE_INTEGER; use bigValue()`)
    return Number(total)
  }

  bigValue(): bigint {
    return this.#core.sumCell('CounterSeries.value()', this.#cell)
  }
}
