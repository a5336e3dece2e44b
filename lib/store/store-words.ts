// The atomic word operations a store's directory and gauges need, over either kind of store memory. A
// SharedArrayBuffer (in-process store) takes JavaScript's Atomics, which the language makes atomic across
// threads. A mapped file (host-wide store) reaches JavaScript as a plain ArrayBuffer, on which Atomics are
// not specified to be atomic, while other processes update the same words: its read-modify-writes go
// through the addon, and a fence orders what a directory word published before the records it points to.
import { native, type StoreRegion } from '../binding/chosen-binding'

export interface StoreWords {
  /** The whole store as u32 words: loads (Atomics.load) and the header's fixed fields. */
  readonly u32: Uint32Array
  /** Atomically replaces the u32 at `byteOffset` with `desired` if it holds `expected`; returns what it held. */
  compareExchange32(byteOffset: number, expected: number, desired: number): number
  /** Orders the directory words read before it before the record reads after it. */
  acquire(): void
  loadFloat64(byteOffset: number): number
  addFloat64(byteOffset: number, value: number): void
  setFloat64(byteOffset: number, value: number): void
}

/** Float64 <-> int64 bits, for gauges kept in int64 cells. */
const scratch = new ArrayBuffer(8)
const scratchFloat = new Float64Array(scratch)
const scratchBits = new BigInt64Array(scratch)

function bitsOf(value: number): bigint {
  scratchFloat[0] = value
  return scratchBits[0]
}

function floatOf(bits: bigint): number {
  scratchBits[0] = bits
  return scratchFloat[0]
}

export function sharedWords(buffer: SharedArrayBuffer): StoreWords {
  const u32 = new Uint32Array(buffer)
  const i64 = new BigInt64Array(buffer)
  return {
    u32,
    compareExchange32: (byteOffset, expected, desired) => Atomics.compareExchange(u32, byteOffset / 4, expected, desired),
    acquire() {},
    loadFloat64: (byteOffset) => floatOf(Atomics.load(i64, byteOffset / 8)),
    addFloat64(byteOffset, value) {
      const at = byteOffset / 8
      for (let old = Atomics.load(i64, at); ;) {
        const seen = Atomics.compareExchange(i64, at, old, bitsOf(floatOf(old) + value))
        if (seen === old) return
        old = seen
      }
    },
    setFloat64: (byteOffset, value) => {
      Atomics.store(i64, byteOffset / 8, bitsOf(value))
    },
  }
}

export function mappedWords(buffer: ArrayBuffer, region: StoreRegion): StoreWords {
  const u32 = new Uint32Array(buffer)
  const i64 = new BigInt64Array(buffer)
  return {
    u32,
    compareExchange32: (byteOffset, expected, desired) => native.storeCompareExchange32(region, byteOffset, expected, desired),
    acquire: () => native.storeAcquireFence(),
    loadFloat64: (byteOffset) => floatOf(Atomics.load(i64, byteOffset / 8)),
    addFloat64: (byteOffset, value) => native.storeAddFloat64(region, byteOffset, value),
    setFloat64: (byteOffset, value) => native.storeSetFloat64(region, byteOffset, value),
  }
}
