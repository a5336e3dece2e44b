// Which cells of a store the series this process has read own: one bit per cell, grown as series are read.
// Every series owns cells of its own (lib/store/store-directory.ts takes them by bump allocation), so a series
// whose cells another series already owns means the store's cells-used word was rewound by another process:
// two series would add into one cell. The directory asks here before it accepts a series record.

export class StoreCellClaims {
  #bits = new Uint32Array(0)
  /** One past the highest cell claimed: no series this process knows owns a cell at or above it. */
  end = 0

  /** Claims cells [first, first + count) and returns null, or returns a cell among them claimed before (claiming nothing). */
  claim(first: number, count: number): number | null {
    const end = first + count
    this.#reserve(end)
    const bits = this.#bits
    for (let cell = first; cell < end; cell++) if ((bits[cell >>> 5] & (1 << (cell & 31))) !== 0) return cell
    for (let cell = first; cell < end; cell++) bits[cell >>> 5] |= 1 << (cell & 31)
    this.end = Math.max(this.end, end)
    return null
  }

  #reserve(cells: number): void {
    const words = (cells + 31) >>> 5
    if (words <= this.#bits.length) return
    const grown = new Uint32Array(Math.max(words, this.#bits.length * 2))
    grown.set(this.#bits)
    this.#bits = grown
  }
}
