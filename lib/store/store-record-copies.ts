// A copy of every directory record this process has read, as it read it: records never change once
// published (lib/store/store-directory.ts), so a record whose bytes in the store now differ from the copy was
// rewritten by another process. Comparing runs of adjacent records with one memcmp each keeps the check
// to microseconds for thousands of records: what lets every collect() look at all of them again.
import { Buffer } from 'node:buffer'

export class StoreRecordCopies {
  readonly #live: Uint8Array
  #copy = new Uint8Array(0)
  /** Every record kept, as [offset, length]; sorted and merged into #runs when one was added since. */
  readonly #records: Array<[number, number]> = []
  #runs: Array<[number, number]> = []
  #sorted = true

  /** `live` is the store's records area, as the records' offsets count from. */
  constructor(live: Uint8Array) {
    this.#live = live
  }

  /** Keeps a copy of the record at [offset, offset + length), just read and checked. */
  keep(offset: number, length: number): void {
    const end = offset + length
    if (end > this.#copy.length) {
      const grown = new Uint8Array(Math.min(this.#live.length, Math.max(end, this.#copy.length * 2)))
      grown.set(this.#copy)
      this.#copy = grown
    }
    this.#copy.set(this.#live.subarray(offset, end), offset)
    this.#records.push([offset, length])
    this.#sorted = false
  }

  /** The offset of a kept record whose bytes in the store changed since it was read, or null when none did. */
  changed(): number | null {
    if (!this.#sorted) this.#merge()
    const same = (start: number, end: number) => Buffer.compare(this.#live.subarray(start, end), this.#copy.subarray(start, end)) === 0
    for (const [start, end] of this.#runs) {
      if (same(start, end)) continue
      for (const [offset, length] of this.#records) if (offset >= start && offset < end && !same(offset, offset + length)) return offset
    }
    return null
  }

  #merge(): void {
    this.#records.sort((a, b) => a[0] - b[0])
    const runs: Array<[number, number]> = []
    for (const [offset, length] of this.#records) {
      const last = runs[runs.length - 1]
      if (last !== undefined && last[1] === offset) last[1] = offset + length
      else runs.push([offset, offset + length])
    }
    this.#runs = runs
    this.#sorted = true
  }
}
